import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState } from "react";
import { sendChatMessage } from "../../api/chat";
import { chatHistoryQuery, tutorStatusQuery } from "../../api/content";
import { ApiError, errorMessage } from "../../api/http";
import type { ChatMessage, ChatSegment } from "../../api/types";
import { ErrorMessage, Loading } from "../Feedback/Feedback";
import { Markdown } from "../Content/Markdown";
import { MicButton } from "./MicButton";
import "./tutor.css";

type Quota = { messages_used: number; messages_limit: number; resets_at: string };

/** What went wrong with the last message, and the text to send again if trying again can help. */
type Failure = { message: string; retry?: string };

/** "N of 100 messages left today", or when more come once they are used up. */
export function QuotaLine({ quota }: { quota: Quota }) {
  const left = Math.max(quota.messages_limit - quota.messages_used, 0);
  if (left > 0) {
    return (
      <p className="chat-quota">
        {left} of {quota.messages_limit} messages left today.
      </p>
    );
  }
  const resets = new Date(quota.resets_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return (
    <p className="chat-quota low">
      You have used today's {quota.messages_limit} messages. More from {resets}.
    </p>
  );
}

/**
 * How a failed send is shown. A refusal before the message was saved (4xx:
 * quota, too long) gives the text back to edit; a connection lost (status 0)
 * keeps what arrived on screen, since the server may still be saving it;
 * otherwise the saved conversation, with the failed reply marked, is reloaded.
 */
function outcomeOf(error: unknown): "restore" | "keep" | "reload" {
  if (!(error instanceof ApiError)) return "keep";
  if (error.status === 0) return "keep";
  return error.status < 500 ? "restore" : "reload";
}

/** A tutor conversation for one chat segment: history, streaming reply, send box, dictation. */
export function TutorChat({ moduleSlug, sectionId, segment }: { moduleSlug: string; sectionId: string; segment: ChatSegment }) {
  const id = useId();
  const queryClient = useQueryClient();
  const history = useQuery(chatHistoryQuery(moduleSlug));
  const status = useQuery(tutorStatusQuery);
  const [draft, setDraft] = useState("");
  // The exchange in progress (or cut short), shown after the first `keptSaved` saved messages.
  const [pending, setPending] = useState<ChatMessage[]>([]);
  const [keptSaved, setKeptSaved] = useState(0);
  const [streaming, setStreaming] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);
  const abort = useRef<AbortController | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const saved = (history.data?.messages ?? []).filter((m) => m.role !== "system");

  useEffect(() => () => abort.current?.abort(), []);

  const reloadHistory = () => queryClient.invalidateQueries({ queryKey: chatHistoryQuery(moduleSlug).queryKey });
  const countMessage = () =>
    queryClient.setQueryData(tutorStatusQuery.queryKey, (old) =>
      old ? { ...old, quota: { ...old.quota, messages_used: old.quota.messages_used + 1 } } : old,
    );

  async function send(text: string) {
    const message = text.trim();
    if (!message || streaming) return;
    if (pending.length) await reloadHistory(); // an exchange cut short gives way to what was saved
    setDraft("");
    setFailure(null);
    setStreaming(true);
    setKeptSaved((queryClient.getQueryData(chatHistoryQuery(moduleSlug).queryKey)?.messages ?? []).filter((m) => m.role !== "system").length);
    setPending([
      { role: "user", content: message },
      { role: "assistant", content: "" },
    ]);
    abort.current = new AbortController();
    try {
      await sendChatMessage(
        { moduleSlug, sectionId, segmentId: segment.id },
        message,
        (piece) => setPending((p) => [p[0]!, { role: "assistant", content: (p[1]?.content ?? "") + piece }]),
        { signal: abort.current.signal, onAccepted: countMessage },
      );
      await reloadHistory();
      setPending([]);
    } catch (error) {
      const outcome = outcomeOf(error);
      setFailure({ message: errorMessage(error), retry: outcome === "restore" ? undefined : message });
      if (outcome === "restore") setDraft((d) => d || message);
      if (outcome !== "keep") {
        await reloadHistory();
        setPending([]);
      }
    } finally {
      setStreaming(false);
      void queryClient.invalidateQueries({ queryKey: tutorStatusQuery.queryKey });
    }
  }

  function addTranscript(text: string) {
    setDraft((d) => (d.trim() ? `${d.trimEnd()} ${text}` : text));
    input.current?.focus();
  }

  const messages = pending.length ? [...saved.slice(0, keptSaved), ...pending] : saved;
  return (
    <section className="chat card" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{segment.title ?? "Talk it through with the tutor"}</h3>
      {status.data && <QuotaLine quota={status.data.quota} />}
      {history.isPending && <Loading label="Loading the conversation…" />}
      {history.error && <ErrorMessage error={history.error} retry={() => void history.refetch()} />}
      <ol className="chat-log" aria-live="polite" aria-busy={streaming}>
        {messages.map((m, i) => (
          <li key={i} className={`chat-message ${m.role}`}>
            <span className="sr-only">{m.role === "user" ? "You said:" : "Tutor said:"}</span>
            {m.content ? (
              <Markdown source={m.content} headingsFrom={4} />
            ) : streaming && i === messages.length - 1 ? (
              <Loading label="The tutor is thinking…" />
            ) : (
              <p className="muted">(no reply)</p>
            )}
            {m.error && <p className="muted small">(This reply was cut short: {m.error})</p>}
          </li>
        ))}
      </ol>
      {failure && (
        <div role="alert" className="error-box chat-failure">
          <span>{failure.message}</span>
          {failure.retry !== undefined && (
            <button type="button" className="secondary small" disabled={streaming} onClick={() => void send(failure.retry!)}>
              Try again
            </button>
          )}
        </div>
      )}
      <form
        className="tutor-form"
        onSubmit={(e) => {
          e.preventDefault();
          void send(draft);
        }}
      >
        <label htmlFor={`${id}-input`} className="sr-only">
          Message to the tutor
        </label>
        <textarea
          id={`${id}-input`}
          ref={input}
          rows={2}
          value={draft}
          placeholder="Ask the tutor or share your thoughts…"
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey) {
              e.preventDefault();
              void send(draft);
            }
          }}
        />
        <div className="chat-controls">
          {/* Only where the site transcribes (GET /api/tutor/status): elsewhere it would only answer 503. */}
          {status.data?.transcription && <MicButton onTranscript={addTranscript} />}
          <button type="submit" disabled={streaming || !draft.trim()}>
            {streaming ? "Replying…" : "Send"}
          </button>
        </div>
      </form>
    </section>
  );
}
