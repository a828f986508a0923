import type { Segment } from "../../api/types";
import { Markdown } from "../Content/Markdown";
import { AssessedQuestion } from "./AssessedQuestion";
import { TutorChat } from "./TutorChat";

const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

export function SegmentView({ segment, moduleSlug, sectionId }: { segment: Segment; moduleSlug: string; sectionId: string }) {
  switch (segment.kind) {
    case "text":
      return <Markdown source={segment.markdown} />;
    case "article":
      return (
        <figure className="excerpt">
          <blockquote>
            <Markdown source={segment.markdown} />
          </blockquote>
          <figcaption>
            From <cite>{segment.article.title}</cite>
            {segment.article.author && <> by {segment.article.author}</>}
            {segment.article.source_url && (
              <>
                {" "}
                · <a href={segment.article.source_url}>Read the full article</a>
              </>
            )}
          </figcaption>
        </figure>
      );
    case "video": {
      const { video } = segment;
      const watch = `https://www.youtube.com/watch?v=${encodeURIComponent(video.youtube_id)}&t=${Math.floor(segment.from_s)}s`;
      return (
        <figure className="excerpt video">
          <div className="video-frame">
            <iframe
              title={`Video: ${video.title}, ${clock(segment.from_s)} to ${clock(segment.to_s)}`}
              src={`https://www.youtube-nocookie.com/embed/${encodeURIComponent(video.youtube_id)}?start=${Math.floor(segment.from_s)}&end=${Math.ceil(segment.to_s)}`}
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
    case "chat":
      return <TutorChat moduleSlug={moduleSlug} sectionId={sectionId} segment={segment} />;
    case "question":
      return <AssessedQuestion moduleSlug={moduleSlug} sectionId={sectionId} segment={segment} />;
  }
}
