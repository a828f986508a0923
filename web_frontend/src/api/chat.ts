// Tutor chat: POST a message and read the reply as server-sent events where
// the deployment streams (GET /api/tutor/status says), else as one JSON reply.
import { ApiError, fetchWithRefresh, toApiError, unwrap } from "./http";
import { env } from "../config/env";
import { tutorApi } from "./tutor";

export type ChatEvent =
  | { type: "text"; content: string }
  | { type: "done"; complete?: boolean }
  | { type: "error"; message?: string; error?: { code?: string; message?: string } };

/** Split an SSE byte stream into the JSON payloads of its `data:` lines. */
export async function* readServerSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ChatEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value ?? new Uint8Array(), { stream: !done });
    let boundary: number;
    while ((boundary = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const rawEvent = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary).replace(/^\r?\n\r?\n/, "");
      const data = rawEvent
        .split(/\r?\n/)
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, ""))
        .join("\n");
      if (data) yield parseEvent(data);
    }
    if (done) return;
  }
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

/**
 * Send a learner's message; onText gets each piece of the reply as it
 * arrives. Resolves when the reply is complete; throws ApiError otherwise
 * (the learner's message is saved by the API before the tutor is asked).
 */
export async function sendChatMessage(
  target: ChatTarget,
  message: string,
  onText: (text: string) => void,
  { stream = true, signal }: { stream?: boolean; signal?: AbortSignal } = {},
): Promise<void> {
  const body = { section_id: target.sectionId, segment_id: target.segmentId, message };
  const slug = encodeURIComponent(target.moduleSlug);
  if (!stream) {
    const reply = unwrap(
      await tutorApi.POST("/api/tutor/{module_slug}/messages", { params: { path: { module_slug: target.moduleSlug } }, body }),
    );
    onText(reply.reply.content);
    return;
  }
  const response = await fetchWithRefresh(new URL(`${env.apiBase}/api/tutor/${slug}/stream`, location.origin), {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify(body),
    signal,
  });
  if (!response.ok) throw await toApiError(response);
  if (!response.body) throw new ApiError(502, "no_stream", "The tutor's reply did not arrive. Please try again.");
  for await (const event of readServerSentEvents(response.body)) {
    if (event.type === "text") onText(event.content);
    else if (event.type === "error") {
      const message = event.error?.message ?? event.message ?? "The tutor stopped answering. Please try again.";
      throw new ApiError(502, event.error?.code ?? "tutor_error", message);
    } else if (event.type === "done") return;
  }
  throw new ApiError(502, "stream_cut", "The connection dropped before the tutor finished. What arrived is saved.");
}
