import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MicButton } from "./MicButton";
import { TutorChat } from "./TutorChat";

/** MediaRecorder as the browser's: records after start(), hands its one chunk over on stop(). */
class FakeRecorder {
  static instances: FakeRecorder[] = [];
  static isTypeSupported = (type: string) => type === "audio/webm;codecs=opus";
  state: "inactive" | "recording" = "inactive";
  mimeType: string;
  ondataavailable: ((event: { data: Blob }) => void) | null = null;
  onstop: (() => void) | null = null;
  constructor(
    readonly stream: unknown,
    options?: { mimeType?: string },
  ) {
    this.mimeType = options?.mimeType ?? "";
    FakeRecorder.instances.push(this);
  }
  start() {
    this.state = "recording";
  }
  stop() {
    if (this.state === "inactive") return;
    this.state = "inactive";
    this.ondataavailable?.({ data: new Blob(["fake-opus-audio"], { type: this.mimeType }) });
    this.onstop?.();
  }
}

type Sent = { path: string; type: string | null; body: string };
const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
const realFetch = globalThis.fetch;
let track: { stop: ReturnType<typeof vi.fn> };
let getUserMedia: ReturnType<typeof vi.fn>;

/**
 * The API behind fetch: transcriptions answer `transcription`; everything sent is kept.
 * `voice`: whether the status says voice input works on this site.
 */
function serve(transcription: () => Response, { voice = true } = {}) {
  const sent: Sent[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const path = new URL(req.url).pathname;
    sent.push({ path, type: req.headers.get("Content-Type"), body: req.method === "GET" ? "" : await req.text() });
    if (path === "/api/tutor/transcriptions") return transcription();
    if (path === "/api/tutor/status") {
      return json({ streaming: true, transcription: voice, quota: { messages_used: 0, messages_limit: 100, tokens_used: 0, tokens_limit: 1, resets_at: "2030-01-01T00:00:00Z" } });
    }
    if (path.endsWith("/messages")) return json({ module_slug: "why-discuss", messages: [] });
    return json({ error: { code: "not_found", message: "no route" } }, 404);
  }) as typeof fetch;
  return sent;
}

beforeEach(() => {
  window.history.replaceState({}, "", "/course/c/module/why-discuss");
  FakeRecorder.instances = [];
  track = { stop: vi.fn() };
  getUserMedia = vi.fn(async () => ({ getTracks: () => [track] }));
  vi.stubGlobal("MediaRecorder", FakeRecorder);
  Object.defineProperty(navigator, "mediaDevices", { value: { getUserMedia }, configurable: true });
});
afterEach(() => {
  globalThis.fetch = realFetch;
  vi.unstubAllGlobals();
  vi.useRealTimers();
  Reflect.deleteProperty(navigator, "mediaDevices");
});

const dictate = () => screen.getByRole("button", { name: "Dictate" });

describe("MicButton", () => {
  it("is not offered where the browser cannot record", () => {
    vi.stubGlobal("MediaRecorder", undefined);
    render(<MicButton onTranscript={() => {}} />);
    expect(screen.queryByRole("button", { name: "Dictate" })).toBeNull();
  });

  it("records, shows the time, and on stop sends the audio and hands over the words", async () => {
    const sent = serve(() => json({ text: "Open questions invite many answers." }));
    const onTranscript = vi.fn();
    render(<MicButton onTranscript={onTranscript} />);
    const user = userEvent.setup();
    expect(dictate().getAttribute("aria-pressed")).toBe("false");
    await user.click(dictate());
    await waitFor(() => expect(dictate().getAttribute("aria-pressed")).toBe("true"));
    expect(getUserMedia).toHaveBeenCalledWith({ audio: true });
    expect(FakeRecorder.instances[0]!.mimeType).toBe("audio/webm;codecs=opus");
    expect(screen.getByText("0:00 / 2:00")).toBeTruthy();
    expect(screen.getByRole("status").textContent).toMatch(/^Recording\./);
    await user.click(dictate());
    await waitFor(() => expect(onTranscript).toHaveBeenCalledWith("Open questions invite many answers."));
    expect(sent).toEqual([{ path: "/api/tutor/transcriptions", type: "audio/webm;codecs=opus", body: "fake-opus-audio" }]);
    expect(track.stop).toHaveBeenCalled(); // the microphone is released
    expect(dictate().getAttribute("aria-pressed")).toBe("false");
    expect(screen.getByRole("status").textContent).toBe("Your words are in the message box. Check them, then send.");
  });

  it("stops by itself after two minutes", async () => {
    vi.useFakeTimers();
    const sent = serve(() => json({ text: "A long thought." }));
    const onTranscript = vi.fn();
    render(<MicButton onTranscript={onTranscript} />);
    fireEvent.click(dictate());
    await act(async () => {
      await vi.advanceTimersByTimeAsync(0); // the microphone opens, recording starts
    });
    expect(dictate().getAttribute("aria-pressed")).toBe("true");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(119_500);
    });
    expect(screen.getByText("1:59 / 2:00")).toBeTruthy();
    expect(FakeRecorder.instances[0]!.state).toBe("recording");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(1_000);
    });
    expect(FakeRecorder.instances[0]!.state).toBe("inactive");
    vi.useRealTimers();
    await waitFor(() => expect(onTranscript).toHaveBeenCalledWith("A long thought."));
    expect(sent.map((s) => s.path)).toEqual(["/api/tutor/transcriptions"]);
  });

  it.each([
    ["NotAllowedError", "Microphone access is blocked. Allow it for this site in your browser's settings, then try again."],
    ["NotFoundError", "No microphone was found. Connect one and try again, or type your message."],
  ])("says what to do when the microphone cannot be opened (%s)", async (name, message) => {
    getUserMedia.mockRejectedValueOnce(new DOMException("denied", name));
    render(<MicButton onTranscript={() => {}} />);
    await userEvent.setup().click(dictate());
    expect((await screen.findByRole("alert")).textContent).toBe(message);
    expect(dictate().getAttribute("aria-pressed")).toBe("false");
    expect(FakeRecorder.instances).toHaveLength(0);
  });

  it("shows the server's error when the words cannot be made out", async () => {
    serve(() => json({ error: { code: "transcription_unavailable", message: "Speech to text is not available right now." } }, 502));
    const onTranscript = vi.fn();
    render(<MicButton onTranscript={onTranscript} />);
    const user = userEvent.setup();
    await user.click(dictate());
    await waitFor(() => expect(dictate().getAttribute("aria-pressed")).toBe("true"));
    await user.click(dictate());
    expect((await screen.findByRole("alert")).textContent).toBe("Speech to text is not available right now.");
    expect(onTranscript).not.toHaveBeenCalled();
    expect(dictate().hasAttribute("disabled")).toBe(false);
  });
});

function renderChat() {
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <QueryClientProvider client={client}>
      <TutorChat
        moduleSlug="why-discuss"
        sectionId="sec-1"
        segment={{ kind: "chat", id: "seg-1", optional: false, title: "Talk", learner_sees_previous: true }}
      />
    </QueryClientProvider>,
  );
}

describe("dictating into the tutor chat", () => {
  it("puts the words after what was typed, to edit, and sends nothing", async () => {
    const sent = serve(() => json({ text: "because many answers fit." }));
    renderChat();
    await screen.findByRole("button", { name: "Dictate" }); // once the status says voice works
    const user = userEvent.setup();
    const box = screen.getByLabelText("Message to the tutor") as HTMLTextAreaElement;
    await user.type(box, "It is open");
    await user.click(dictate());
    await waitFor(() => expect(dictate().getAttribute("aria-pressed")).toBe("true"));
    await user.click(dictate());
    await waitFor(() => expect(box.value).toBe("It is open because many answers fit."));
    expect(document.activeElement).toBe(box);
    expect(sent.filter((s) => s.path.endsWith("/stream") || (s.path.endsWith("/messages") && s.body))).toEqual([]);
  });

  it("offers no microphone where the site has no voice input, and sends nothing to transcribe", async () => {
    const sent = serve(() => json({ text: "never asked" }), { voice: false });
    renderChat();
    await screen.findByText("100 of 100 messages left today.");
    expect(screen.queryByRole("button", { name: /Dictate/ })).toBeNull();
    expect(screen.getByRole("button", { name: "Send" })).toBeTruthy();
    expect(sent.filter((s) => s.path === "/api/tutor/transcriptions")).toEqual([]);
  });

  it("offers it once the status says voice input works here", async () => {
    serve(() => json({ text: "" }));
    renderChat();
    await screen.findByText("100 of 100 messages left today.");
    expect(dictate()).toBeTruthy();
  });
});
