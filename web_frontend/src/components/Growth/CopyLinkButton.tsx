import { useState } from "react";

/** Copies a link to the clipboard and says so (or says to copy it by hand). */
export function CopyLinkButton({ url, label = "Copy link" }: { url: string; label?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setState("copied");
    } catch {
      setState("failed"); // no clipboard (an http:// page, a refused permission)
    }
  };
  return (
    <>
      <button type="button" className="secondary small" onClick={() => void copy()}>
        {label}
      </button>
      <span role="status" className={state === "failed" ? "hint" : "success"}>
        {state === "copied" ? "Copied." : state === "failed" ? "Copy it by hand: select the link." : ""}
      </span>
    </>
  );
}
