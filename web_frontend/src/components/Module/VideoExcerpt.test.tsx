import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { VideoSegment } from "../../api/types";
import { resumePoint, SAVE_EVERY_MS, VideoExcerpt } from "./VideoExcerpt";
import type { ConnectPlayer, PlayerEvents } from "./youtube";

const segment = (resume: number | null): VideoSegment => ({
  kind: "video",
  id: "btr.video",
  optional: false,
  from_s: 60,
  to_s: 185,
  resume_at_s: resume,
  transcript: "Three moves.",
  transcript_lines: [{ at_s: 60, text: "Three moves." }],
  video: { slug: "v", title: "When a few voices dominate", channel: "Demo", youtube_id: "Xk3v9TqR2aL", duration_s: 340 },
});

/** A player the test drives: its time, whether it plays, and its pause/end events. */
function fakePlayer() {
  const state = { time: undefined as number | undefined, playing: false, events: null as PlayerEvents | null, attached: 0 };
  const connect: ConnectPlayer = (_iframe, events) => {
    state.events = events;
    state.attached += 1;
    return { currentTime: () => state.time, isPlaying: () => state.playing, destroy: () => {} };
  };
  return { state, connect };
}

/** The positions POSTed to the API, in order. */
let saved: { segment_id: string; position_s: number }[] = [];
const realFetch = globalThis.fetch;
beforeEach(() => {
  saved = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (new URL(request.url).pathname === "/api/progress/video-position") saved.push(await request.json());
    return new Response(null, { status: 204 });
  }) as typeof fetch;
});
afterEach(() => {
  globalThis.fetch = realFetch;
  vi.useRealTimers();
});

const iframeSrc = () => new URL(screen.getByTitle(/^Video: /).getAttribute("src")!);

describe("VideoExcerpt", () => {
  it("starts where the learner stopped, and can start from the beginning instead", async () => {
    const { connect } = fakePlayer();
    render(<VideoExcerpt segment={segment(83)} moduleSlug="balancing-the-room" connect={connect} />);

    expect(screen.getByText("You stopped at 1:23.")).toBeTruthy();
    expect(iframeSrc().searchParams.get("start")).toBe("83");
    expect(iframeSrc().searchParams.get("end")).toBe("185");
    expect(screen.getByRole("button", { name: "Resume at 1:23" }).getAttribute("aria-pressed")).toBe("true");

    await userEvent.click(screen.getByRole("button", { name: "Start from the beginning" }));

    expect(iframeSrc().searchParams.get("start")).toBe("60");
    expect(screen.getByRole("button", { name: "Start from the beginning" }).getAttribute("aria-pressed")).toBe("true");
  });

  it("offers no resume for a video not watched, or watched to its end", () => {
    const { connect } = fakePlayer();
    const { unmount } = render(<VideoExcerpt segment={segment(null)} moduleSlug="m" connect={connect} />);
    expect(screen.queryByRole("button", { name: /Resume/ })).toBeNull();
    expect(iframeSrc().searchParams.get("start")).toBe("60");
    unmount();
    expect(resumePoint(segment(185))).toBeNull();
    expect(resumePoint(segment(62))).toBeNull();
    expect(resumePoint(segment(120))).toBe(120);
  });

  it("saves the position every 10 s while playing, on pause, and on leaving", async () => {
    vi.useFakeTimers();
    const { state, connect } = fakePlayer();
    const { unmount } = render(<VideoExcerpt segment={segment(null)} moduleSlug="balancing-the-room" connect={connect} />);
    expect(state.attached).toBe(1);

    state.time = 71.6; // ready but not playing: nothing is saved
    await act(() => vi.advanceTimersByTimeAsync(SAVE_EVERY_MS));
    expect(saved).toEqual([]);

    state.playing = true;
    await act(() => vi.advanceTimersByTimeAsync(SAVE_EVERY_MS));
    state.time = 81.2;
    await act(() => vi.advanceTimersByTimeAsync(SAVE_EVERY_MS));
    expect(saved.map((s) => s.position_s)).toEqual([71, 81]);
    expect(saved[0]).toEqual({ module_slug: "balancing-the-room", segment_id: "btr.video", position_s: 71 });

    state.playing = false;
    state.time = 84.9;
    state.events!.onPause();
    await act(() => vi.advanceTimersByTimeAsync(SAVE_EVERY_MS * 3)); // paused: no repeats
    expect(saved.map((s) => s.position_s)).toEqual([71, 81, 84]);

    state.time = 90;
    unmount(); // the learner moves on
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(saved.map((s) => s.position_s)).toEqual([71, 81, 84, 90]);
  });
});
