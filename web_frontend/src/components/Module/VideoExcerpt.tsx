import { useEffect, useRef, useState } from "react";
import { saveVideoPosition } from "../../api/content";
import type { VideoSegment } from "../../api/types";
import { clock } from "./clock";
import { connectYouTube, type ConnectPlayer } from "./youtube";

/** While the video plays, its position is saved this often (and on pause, end and leaving). */
export const SAVE_EVERY_MS = 10_000;
/** Closer than this to either end of the excerpt, there is nothing worth resuming. */
const RESUME_MARGIN_S = 5;

/** Where a learner can pick up again, or null when the saved position is at either end. */
export function resumePoint(segment: Pick<VideoSegment, "from_s" | "to_s" | "resume_at_s">): number | null {
  const at = segment.resume_at_s;
  if (at == null) return null;
  return at > segment.from_s + RESUME_MARGIN_S && at < segment.to_s - RESUME_MARGIN_S ? at : null;
}

/** Save the player's position every SAVE_EVERY_MS while playing, on pause or end, and on leaving. */
function usePositionSaving(
  iframe: React.RefObject<HTMLIFrameElement | null>,
  connect: ConnectPlayer,
  moduleSlug: string,
  segmentId: string,
  startAt: number,
) {
  useEffect(() => {
    const element = iframe.current;
    if (!element) return;
    let lastSaved: number | null = null;
    const save = (beacon = false) => {
      const time = player.currentTime();
      if (time === undefined) return;
      const seconds = Math.floor(time);
      if (seconds === lastSaved) return; // paused: nothing new to say
      lastSaved = seconds;
      saveVideoPosition(moduleSlug, segmentId, seconds, beacon);
    };
    const player = connect(element, { onPause: () => save(), onEnded: () => save() });
    const timer = window.setInterval(() => {
      if (player.isPlaying()) save();
    }, SAVE_EVERY_MS);
    const leave = () => save(true);
    window.addEventListener("pagehide", leave);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener("pagehide", leave);
      save(true); // another section, another page: keep where the learner was
      player.destroy();
    };
  }, [iframe, connect, moduleSlug, segmentId, startAt]);
}

/**
 * A video excerpt: the embedded player starting where the learner stopped last time (with
 * "Start from the beginning" to choose otherwise), its source, and the transcript of the span.
 */
export function VideoExcerpt({
  segment,
  moduleSlug,
  connect = connectYouTube,
}: {
  segment: VideoSegment;
  moduleSlug: string;
  connect?: ConnectPlayer;
}) {
  const { video } = segment;
  const resume = resumePoint(segment);
  const [startAt, setStartAt] = useState(resume ?? segment.from_s);
  const iframe = useRef<HTMLIFrameElement>(null);
  usePositionSaving(iframe, connect, moduleSlug, segment.id, startAt);
  const id = encodeURIComponent(video.youtube_id);
  const origin = encodeURIComponent(window.location.origin);
  const watch = `https://www.youtube.com/watch?v=${id}&t=${Math.floor(startAt)}s`;

  return (
    <figure className="excerpt video">
      {resume !== null && (
        <div className="video-resume" role="group" aria-label="Where to start the video">
          <span className="muted">You stopped at {clock(resume)}.</span>
          <button type="button" className="secondary small" aria-pressed={startAt === resume} onClick={() => setStartAt(resume)}>
            Resume at {clock(resume)}
          </button>
          <button
            type="button"
            className="secondary small"
            aria-pressed={startAt === segment.from_s}
            onClick={() => setStartAt(segment.from_s)}
          >
            Start from the beginning
          </button>
        </div>
      )}
      <div className="video-frame">
        <iframe
          key={startAt}
          ref={iframe}
          title={`Video: ${video.title}, ${clock(segment.from_s)} to ${clock(segment.to_s)}`}
          src={`https://www.youtube-nocookie.com/embed/${id}?start=${Math.floor(startAt)}&end=${Math.ceil(segment.to_s)}&enablejsapi=1&origin=${origin}`}
          loading="lazy"
          allowFullScreen
        />
      </div>
      <figcaption>
        <cite>{video.title}</cite>
        {video.channel && <> · {video.channel}</>} · {clock(segment.from_s)}–{clock(segment.to_s)} ·{" "}
        <a href={watch}>Watch on YouTube</a>
      </figcaption>
      <details>
        <summary>Transcript of this excerpt</summary>
        <ol className="transcript">
          {segment.transcript_lines.map((line) => (
            <li key={line.at_s}>
              <span className="muted">{clock(line.at_s)}</span> {line.text}
            </li>
          ))}
        </ol>
      </details>
    </figure>
  );
}
