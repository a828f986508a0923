import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import { sendChatMessage } from "../../api/chat";
import { chatHistoryQuery, tutorStatusQuery } from "../../api/content";
import { errorMessage } from "../../api/http";
import type { ChatMessage, ChatSegment } from "../../api/types";
import { ErrorMessage, Loading } from "../Feedback/Feedback";
import { Markdown } from "../Content/Markdown";

/** A tutor conversation for one chat segment: history, streaming reply, send box. */
export function TutorChat({ moduleSlug, sectionId, segment }: { moduleSlug: string; sectionId: string; segment: ChatSegment }) {
  const id = useId();
  const queryClient = useQueryClient();
  const history = useQuery(chatHistoryQuery(moduleSlug));
  const status = useQuery(tutorStatusQuery);
  const [draft, setDraft] = useState("");
  const [pending, setPending] = useState<ChatMessage[]>([]);
  const [streaming, setStreaming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);

  async function send() {
    const message = draft.trim();
    if (!message || streaming) return;
    setDraft("");
    setError(null);
    setStreaming(true);
    setPending([
      { role: "user", content: message },
      { role: "assistant", content: "" },
    ]);
    abort.current = new AbortController();
    try {
      await sendChatMessage(
        { moduleSlug, sectionId, segmentId: segment.id },
        message,
        (text) => setPending((p) => [p[0]!, { role: "assistant", content: (p[1]?.content ?? "") + text }]),
        { stream: status.data?.streaming ?? true, signal: abort.current.signal },
      );
      await queryClient.invalidateQueries({ queryKey: chatHistoryQuery(moduleSlug).queryKey });
      setPending([]);
    } catch (e) {
      // The message was saved before the tutor was asked: reload the saved
      // conversation and say why the reply stopped.
      setError(errorMessage(e));
      await queryClient.invalidateQueries({ queryKey: chatHistoryQuery(moduleSlug).queryKey });
      setPending([]);
    } finally {
      setStreaming(false);
    }
  }

  const messages = [...(history.data?.messages ?? []).filter((m) => m.role !== "system"), ...pending];
  return (
    <section className="chat card" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{segment.title ?? "Talk it through with the tutor"}</h3>
      {status.data && (
        <p className="hint">
          {status.data.quota.messages_limit - status.data.quota.messages_used} of {status.data.quota.messages_limit} messages
          left today.
        </p>
      )}
      {history.isPending && <Loading label="Loading the conversation…" />}
      {history.error && <ErrorMessage error={history.error} retry={() => void history.refetch()} />}
      <ol className="chat-log" aria-live="polite" aria-busy={streaming}>
        {messages.map((m, i) => (
          <li key={i} className={`chat-message ${m.role}`}>
            <span className="sr-only">{m.role === "user" ? "You said:" : "Tutor said:"}</span>
            {m.content ? (
              <Markdown source={m.content} />
            ) : streaming && i === messages.length - 1 ? (
              <Loading label="The tutor is thinking…" />
            ) : (
              <p className="muted">(no reply)</p>
            )}
            {m.error && <p className="muted small">(This reply was cut short: {m.error})</p>}
          </li>
        ))}
      </ol>
      {error && (
        <p role="alert" className="error-box">
          {error}
        </p>
      )}
      <form
        className="chat-form"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <label htmlFor={`${id}-input`} className="sr-only">
          Message to the tutor
        </label>
        <textarea
          id={`${id}-input`}
          rows={2}
          value={draft}
          placeholder="Ask the tutor or share your thoughts…"
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey) {
              e.preventDefault();
              void send();
            }
          }}
        />
        <button type="submit" disabled={streaming || !draft.trim()}>
          {streaming ? "Replying…" : "Send"}
        </button>
      </form>
    </section>
  );
}
