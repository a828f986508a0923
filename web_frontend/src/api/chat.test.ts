import { describe, expect, it } from "vitest";
import { readServerSentEvents, type ChatEvent } from "./chat";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(encoder.encode(c));
      controller.close();
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

  it("passes the tutor's error through", async () => {
    const events = await collect([
      'data: {"type":"error","error":{"code":"llm_timeout","message":"The tutor took too long."}}\r\n\r\n',
    ]);
    expect(events).toEqual([{ type: "error", error: { code: "llm_timeout", message: "The tutor took too long." } }]);
  });
});
