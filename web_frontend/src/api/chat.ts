// Tutor chat: POST a message, read the reply as server-sent events where the
// deployment streams, or as one JSON body where it cannot (issue 8, item 6).
import { ApiError, fetchWithRefresh, toApiError } from "./http";
import { env } from "../config/env";

export type ChatEvent =
  | { type: "text"; content: string }
  | { type: "done" }
  | { type: "error"; message: string };

/** Split an SSE byte stream into the JSON payloads of its `data:` lines. */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<ChatEvent> {
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

/**
 * Send a learner's message; calls onText with each piece of the reply as it
 * arrives. Resolves when the reply is complete; throws ApiError otherwise.
 */
export async function sendChatMessage(
  moduleSlug: string,
  sectionId: string,
  message: string,
  onText: (text: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const response = await fetchWithRefresh(
    new URL(`${env.apiBase}/api/chat/${moduleSlug}/messages`, location.origin),
    {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream, application/json" },
      body: JSON.stringify({ section_id: sectionId, message }),
      signal,
    },
  );
  if (!response.ok) throw await toApiError(response);
  const type = response.headers.get("Content-Type") ?? "";
  if (!type.includes("text/event-stream") || !response.body) {
    const body = (await response.json()) as { reply?: string; content?: string };
    onText(body.reply ?? body.content ?? "");
    return;
  }
  for await (const event of readServerSentEvents(response.body)) {
    if (event.type === "text") onText(event.content);
    else if (event.type === "error") throw new ApiError(502, "tutor_error", event.message);
    else if (event.type === "done") return;
  }
}
