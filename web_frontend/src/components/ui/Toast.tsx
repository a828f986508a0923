import { useEffect } from "react";

/**
 * A short message about something that just happened ("Saved."), in the page's
 * corner. It is a polite live region, so screen readers read it without moving
 * focus; it closes by its button or, unless `timeoutMs` is 0, by itself.
 */
export function Toast({
  message,
  tone = "ok",
  onClose,
  timeoutMs = 6000,
}: {
  message: string;
  tone?: "ok" | "danger";
  onClose: () => void;
  timeoutMs?: number;
}) {
  useEffect(() => {
    if (!timeoutMs) return;
    const timer = window.setTimeout(onClose, timeoutMs);
    return () => window.clearTimeout(timer);
  }, [message, timeoutMs, onClose]);
  return (
    <div className={tone === "danger" ? "toast toast-danger" : "toast"} role={tone === "danger" ? "alert" : "status"}>
      <p>{message}</p>
      <button type="button" className="link-button" onClick={onClose}>
        Dismiss
      </button>
    </div>
  );
}
