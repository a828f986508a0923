// Tutor chat: one streaming client for the local and the deployed stack.
// POST /api/tutor/{module}/stream answers with server-sent events (text
// pieces, then done or error); an error before the first word comes back as
// the API's JSON error instead. The JSON route POST .../messages is used only
// by a browser that cannot read a response body as a stream.
import { ApiError, toApiError } from "./http";
import { env } from "../config/env";
import { tutorFetch } from "./tutor";

export type ChatEvent =
  | { type: "text"; content: string }
  | { type: "done"; complete?: boolean; message_id?: number | null }
  | { type: "error"; message?: string; error?: { code?: string; message?: string }; message_id?: number | null };

/** Split an SSE byte stream into the JSON payloads of its `data:` lines. */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ChatEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      buffer += decoder.decode(value ?? new Uint8Array(), { stream: !done });
      const [events, rest] = takeEvents(buffer);
      buffer = rest;
      yield* events;
      if (done) return;
    }
  } finally {
    reader.releaseLock();
  }
}

/** The complete events at the start of `buffer`, and what is left of it. */
export function takeEvents(buffer: string): [ChatEvent[], string] {
  const events: ChatEvent[] = [];
  let boundary: number;
  while ((boundary = buffer.search(/\r?\n\r?\n/)) >= 0) {
    const data = dataOf(buffer.slice(0, boundary));
    buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, "");
    if (data) events.push(parseEvent(data));
  }
  return [events, buffer];
}

/** The joined `data:` lines of one event (comments and other fields dropped). */
function dataOf(rawEvent: string): string {
  return rawEvent
    .split(/\r?\n/)
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).replace(/^ /, ""))
    .join("\n");
}

function parseEvent(data: string): ChatEvent {
  try {
    const event = JSON.parse(data) as ChatEvent;
    if (event && typeof event === "object" && "type" in event) return event;
  } catch {
    // Plain-text data lines carry text.
  }
  return { type: "text", content: data };
}

export interface ChatTarget {
  moduleSlug: string;
  sectionId: string;
  segmentId: string;
}

export interface SendOptions {
  signal?: AbortSignal;
  /** Called once the API has accepted (and saved) the message, before the reply. */
  onAccepted?: () => void;
  /** Read the reply as a stream (default: when this browser can). */
  stream?: boolean;
}

/** The reply stopped after some of it arrived: what arrived is on screen and saved. */
export const STREAM_CUT = "stream_cut";
const CUT_MESSAGE = "The connection dropped before the tutor finished. What arrived is shown; you can try again.";

/** Whether this browser can read a response body piece by piece. */
export function canReadStreams(): boolean {
  return typeof ReadableStream !== "undefined" && typeof Response !== "undefined" && "body" in Response.prototype;
}

const tutorUrl = (path: string) => new URL(`${env.apiBase}/api/tutor/${path}`, globalThis.location?.origin);

/**
 * Send a learner's message; onText gets each piece of the reply as it
 * arrives. Resolves when the reply is complete; throws ApiError otherwise
 * (the learner's message is saved by the API before the tutor is asked; a
 * reply cut short is `code` STREAM_CUT, after onText had what arrived).
 */
export async function sendChatMessage(
  target: ChatTarget,
  message: string,
  onText: (text: string) => void,
  { signal, onAccepted, stream: streams = canReadStreams() }: SendOptions = {},
): Promise<void> {
  const slug = encodeURIComponent(target.moduleSlug);
  const response = await tutorFetch(tutorUrl(`${slug}/${streams ? "stream" : "messages"}`), {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: streams ? "text/event-stream" : "application/json" },
    body: JSON.stringify({ section_id: target.sectionId, segment_id: target.segmentId, message }),
    signal,
  });
  if (!response.ok) throw await toApiError(response);
  onAccepted?.();
  if (!streams || !response.body) {
    await readWhole(response, onText);
    return;
  }
  await readStream(response.body, onText);
}

/** The JSON route's whole reply, or (a body the browser would not stream) the events at once. */
async function readWhole(response: Response, onText: (text: string) => void): Promise<void> {
  const text = await response.text();
  if ((response.headers.get("Content-Type") ?? "").includes("text/event-stream")) {
    for (const event of takeEvents(`${text}\n\n`)[0]) if (handle(event, onText)) return;
    throw new ApiError(0, STREAM_CUT, CUT_MESSAGE);
  }
  const { reply } = JSON.parse(text) as { reply: { content: string; complete?: boolean; error?: string | null } };
  onText(reply.content);
  if (reply.complete === false) throw new ApiError(502, "tutor_error", reply.error ?? CUT_MESSAGE);
}

async function readStream(body: ReadableStream<Uint8Array>, onText: (text: string) => void): Promise<void> {
  try {
    for await (const event of readServerSentEvents(body)) if (handle(event, onText)) return;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, STREAM_CUT, CUT_MESSAGE); // the network dropped mid-read
  }
  throw new ApiError(0, STREAM_CUT, CUT_MESSAGE); // the stream ended without `done`
}

/** Act on one event: text goes to onText, an error is thrown; true when the reply is done. */
function handle(event: ChatEvent, onText: (text: string) => void): boolean {
  if (event.type === "text") onText(event.content);
  else if (event.type === "error") {
    const message = event.error?.message ?? event.message ?? "The tutor stopped answering. Please try again.";
    throw new ApiError(502, event.error?.code ?? "tutor_error", message);
  }
  return event.type === "done";
}

/** The words in a recording: POST /api/tutor/transcriptions with the audio as the raw body. */
export async function transcribeAudio(audio: Blob, signal?: AbortSignal): Promise<string> {
  const response = await tutorFetch(tutorUrl("transcriptions"), {
    method: "POST",
    headers: { "Content-Type": audio.type || "application/octet-stream", Accept: "application/json" },
    body: audio,
    signal,
  });
  if (!response.ok) throw await toApiError(response);
  const { text } = (await response.json()) as { text: string };
  return text;
}
