import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readServerSentEvents, sendChatMessage, STREAM_CUT, transcribeAudio, type ChatEvent } from "./chat";
import { ApiError } from "./http";
import { sha256Hex, tutorFetch } from "./tutor";

const encoder = new TextEncoder();

/** A body that delivers these chunks, then (optionally) fails as a dropped connection does. */
function streamOf(chunks: string[], { failAtEnd = false } = {}): ReadableStream<Uint8Array> {
  const queue = [...chunks];
  return new ReadableStream({
    pull(controller) {
      const next = queue.shift();
      if (next !== undefined) controller.enqueue(encoder.encode(next));
      else if (failAtEnd) controller.error(new TypeError("network error"));
      else controller.close();
    },
  });
}

async function collect(chunks: string[]): Promise<ChatEvent[]> {
  const events: ChatEvent[] = [];
  for await (const e of readServerSentEvents(streamOf(chunks))) events.push(e);
  return events;
}

describe("readServerSentEvents", () => {
  it("yields each event even when chunks split lines and events", async () => {
    const events = await collect([
      'data: {"type":"text","content":"Hel"}\n',
      '\ndata: {"type":"text","con',
      'tent":"lo"}\n\n: keep-alive comment\n\ndata: {"type":"done"}\n\n',
    ]);
    expect(events).toEqual([
      { type: "text", content: "Hel" },
      { type: "text", content: "lo" },
      { type: "done" },
    ]);
  });

  it("joins a multi-byte character split across chunks", async () => {
    const bytes = encoder.encode('data: {"type":"text","content":"café"}\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, bytes.length - 6)); // inside the two bytes of "é"
        controller.enqueue(bytes.slice(bytes.length - 6));
        controller.close();
      },
    });
    const events: ChatEvent[] = [];
    for await (const e of readServerSentEvents(body)) events.push(e);
    expect(events).toEqual([{ type: "text", content: "café" }]);
  });

  it("passes the tutor's error through", async () => {
    const events = await collect([
      'data: {"type":"error","error":{"code":"llm_timeout","message":"The tutor took too long."}}\r\n\r\n',
    ]);
    expect(events).toEqual([{ type: "error", error: { code: "llm_timeout", message: "The tutor took too long." } }]);
  });
});

describe("sha256Hex", () => {
  it("is the lowercase hex SHA-256 of the bytes (FIPS 180-2 test vector)", async () => {
    expect(await sha256Hex(encoder.encode("abc").buffer as ArrayBuffer)).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

type Seen = { method: string; path: string; headers: Headers; body: string };
const realFetch = globalThis.fetch;

/** Answer every request with `answer(seen)`, recording what was sent. */
function serve(answer: (seen: Seen) => Response) {
  const seen: Seen[] = [];
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const entry = {
      method: request.method,
      path: new URL(request.url).pathname,
      headers: request.headers,
      body: request.method === "GET" ? "" : await request.text(),
    };
    seen.push(entry);
    return answer(entry);
  }) as typeof fetch;
  return seen;
}

const sseResponse = (body: ReadableStream<Uint8Array>) =>
  new Response(body, { headers: { "Content-Type": "text/event-stream" } });
const event = (e: unknown) => `data: ${JSON.stringify(e)}\n\n`;
const target = { moduleSlug: "why-discuss", sectionId: "sec-1", segmentId: "seg-1" };

beforeEach(() => window.history.replaceState({}, "", "/course/c/module/why-discuss"));
afterEach(() => {
  globalThis.fetch = realFetch;
});

async function hexOf(text: string) {
  return sha256Hex(encoder.encode(text).buffer as ArrayBuffer);
}

describe("tutorFetch", () => {
  it("signs a POST body with its SHA-256 and leaves a GET alone", async () => {
    const seen = serve(() => new Response("{}"));
    await tutorFetch(new URL("/api/tutor/x/messages", location.origin), { method: "POST", body: "abc" });
    await tutorFetch(new URL("/api/tutor/status", location.origin));
    expect(seen[0]!.headers.get("x-amz-content-sha256")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(seen[0]!.body).toBe("abc");
    expect(seen[1]!.headers.has("x-amz-content-sha256")).toBe(false);
  });
});

describe("sendChatMessage", () => {
  it("streams the reply piece by piece from POST …/stream, with the body's hash", async () => {
    const seen = serve(() =>
      sseResponse(
        streamOf([
          event({ type: "text", content: "An open " }),
          event({ type: "text", content: "question" }).slice(0, 10),
          event({ type: "text", content: "question" }).slice(10) + event({ type: "done", message_id: 7, complete: true }),
        ]),
      ),
    );
    const pieces: string[] = [];
    let accepted = 0;
    await sendChatMessage(target, "Hi", (p) => pieces.push(p), { onAccepted: () => accepted++ });
    expect(pieces).toEqual(["An open ", "question"]);
    expect(accepted).toBe(1);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.path).toBe("/api/tutor/why-discuss/stream");
    expect(JSON.parse(seen[0]!.body)).toEqual({ section_id: "sec-1", segment_id: "seg-1", message: "Hi" });
    expect(seen[0]!.headers.get("x-amz-content-sha256")).toBe(await hexOf(seen[0]!.body));
  });

  it("throws the API's JSON error when the tutor refuses before the first word", async () => {
    serve(
      () =>
        new Response(JSON.stringify({ error: { code: "rate_limited", message: "You have used today's 100 messages." } }), {
          status: 429,
          headers: { "Content-Type": "application/json", "Retry-After": "60" },
        }),
    );
    let accepted = false;
    const error = await sendChatMessage(target, "Hi", () => {}, { onAccepted: () => (accepted = true) }).catch((e) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, code: "rate_limited", retryAfter: 60 });
    expect(error.message).toContain("You have used today's 100 messages.");
    expect(accepted).toBe(false);
  });

  it("throws the error event's code and message after the text that arrived", async () => {
    serve(() =>
      sseResponse(
        streamOf([
          event({ type: "text", content: "Half" }),
          event({ type: "error", error: { code: "tutor_unavailable", message: "The tutor stopped." }, message_id: 3 }),
        ]),
      ),
    );
    const pieces: string[] = [];
    const error = await sendChatMessage(target, "Hi", (p) => pieces.push(p)).catch((e) => e);
    expect(pieces).toEqual(["Half"]);
    expect(error).toMatchObject({ status: 502, code: "tutor_unavailable", message: "The tutor stopped." });
  });

  it("says the reply was cut when the connection drops mid-stream", async () => {
    serve(() => sseResponse(streamOf([event({ type: "text", content: "Half a" })], { failAtEnd: true })));
    const pieces: string[] = [];
    const error = await sendChatMessage(target, "Hi", (p) => pieces.push(p)).catch((e) => e);
    expect(pieces).toEqual(["Half a"]);
    expect(error).toMatchObject({ status: 0, code: STREAM_CUT });
  });

  it("says the reply was cut when the stream ends without done", async () => {
    serve(() => sseResponse(streamOf([event({ type: "text", content: "Half" })])));
    const error = await sendChatMessage(target, "Hi", () => {}).catch((e) => e);
    expect(error).toMatchObject({ code: STREAM_CUT });
  });

  it("falls back to the JSON route, signed too, where the browser cannot read a stream", async () => {
    const seen = serve(
      () =>
        new Response(JSON.stringify({ user_message_id: 1, reply: { id: 2, role: "assistant", content: "Whole reply", complete: true } }), {
          headers: { "Content-Type": "application/json" },
        }),
    );
    const pieces: string[] = [];
    await sendChatMessage(target, "Hi", (p) => pieces.push(p), { stream: false });
    expect(pieces).toEqual(["Whole reply"]);
    expect(seen[0]!.path).toBe("/api/tutor/why-discuss/messages");
    expect(seen[0]!.headers.get("x-amz-content-sha256")).toBe(await hexOf(seen[0]!.body));
  });
});

describe("transcribeAudio", () => {
  it("sends the audio as the raw body with its type and hash, and returns the words", async () => {
    const seen = serve(() => new Response(JSON.stringify({ text: "Open questions invite many answers." })));
    const text = await transcribeAudio(new Blob(["abc"], { type: "audio/webm;codecs=opus" }));
    expect(text).toBe("Open questions invite many answers.");
    expect(seen[0]).toMatchObject({ method: "POST", path: "/api/tutor/transcriptions", body: "abc" });
    expect(seen[0]!.headers.get("Content-Type")).toBe("audio/webm;codecs=opus");
    expect(seen[0]!.headers.get("x-amz-content-sha256")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("throws the API's error message (e.g. a recording too long)", async () => {
    serve(
      () =>
        new Response(JSON.stringify({ error: { code: "payload_too_large", message: "Recordings can be at most 2 minutes." } }), {
          status: 413,
          headers: { "Content-Type": "application/json" },
        }),
    );
    const error = await transcribeAudio(new Blob(["abc"], { type: "audio/webm" })).catch((e) => e);
    expect(error).toMatchObject({ status: 413, message: "Recordings can be at most 2 minutes." });
  });
});
