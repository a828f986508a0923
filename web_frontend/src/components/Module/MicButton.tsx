import { useEffect, useRef, useState } from "react";
import { transcribeAudio } from "../../api/chat";
import { errorMessage } from "../../api/http";
import "./tutor.css";

/** A recording stops by itself after two minutes (the transcription route's limit too). */
export const MAX_RECORDING_S = 120;

// Opus in WebM is small and what Chrome and Firefox record; Safari offers MP4.
const PREFERRED_TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm", "audio/mp4"];

/** Whether this browser can record audio at all (the button is hidden otherwise). */
export function dictationSupported(): boolean {
  return typeof MediaRecorder !== "undefined" && typeof navigator !== "undefined" && !!navigator.mediaDevices?.getUserMedia;
}

/** The first preferred audio format the browser records, or undefined for its own default. */
export function pickAudioType(): string | undefined {
  return PREFERRED_TYPES.find((type) => MediaRecorder.isTypeSupported?.(type));
}

/** Why the microphone could not be opened, in words a learner can act on. */
export function microphoneProblem(error: unknown): string {
  const name = error instanceof Error || error instanceof DOMException ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") {
    return "Microphone access is blocked. Allow it for this site in your browser's settings, then try again.";
  }
  if (name === "NotFoundError" || name === "OverconstrainedError") {
    return "No microphone was found. Connect one and try again, or type your message.";
  }
  if (name === "NotReadableError" || name === "AbortError") {
    return "The microphone could not be used; another application may be using it.";
  }
  return "Recording could not start in this browser. You can type your message instead.";
}

const clock = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;

type Phase = "idle" | "starting" | "recording" | "transcribing";

/**
 * Dictate a message: records from the microphone (at most two minutes), sends
 * the audio to POST /api/tutor/transcriptions and hands the words to
 * onTranscript for the learner to edit and send. The audio is kept only
 * until it is sent.
 */
export function MicButton({ onTranscript, disabled = false }: { onTranscript: (text: string) => void; disabled?: boolean }) {
  const [phase, setPhase] = useState<Phase>("idle");
  const [elapsed, setElapsed] = useState(0);
  const [status, setStatus] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const recorder = useRef<MediaRecorder | null>(null);
  const startedAt = useRef(0);
  const unmounted = useRef(false);
  const upload = useRef<AbortController | null>(null);

  // Tick the elapsed time while recording; stop at the cap.
  useEffect(() => {
    if (phase !== "recording") return;
    const timer = window.setInterval(() => {
      const seconds = Math.min(Math.floor((Date.now() - startedAt.current) / 1000), MAX_RECORDING_S);
      setElapsed(seconds);
      if (seconds >= MAX_RECORDING_S) recorder.current?.stop();
    }, 250);
    return () => window.clearInterval(timer);
  }, [phase]);

  // Leaving the page stops the microphone and drops the recording.
  useEffect(() => {
    unmounted.current = false;
    return () => {
      unmounted.current = true;
      upload.current?.abort();
      if (recorder.current?.state === "recording") recorder.current.stop();
    };
  }, []);

  if (!dictationSupported()) return null;

  async function transcribe(audio: Blob) {
    setPhase("transcribing");
    setStatus("Turning your recording into text…");
    upload.current = new AbortController();
    try {
      const text = (await transcribeAudio(audio, upload.current.signal)).trim();
      if (unmounted.current) return;
      if (text) {
        onTranscript(text);
        setStatus("Your words are in the message box. Check them, then send.");
      } else {
        setStatus("");
        setProblem("No words were heard in the recording. Try again a little closer to the microphone.");
      }
    } catch (error) {
      if (unmounted.current) return;
      setStatus("");
      setProblem(errorMessage(error));
    } finally {
      upload.current = null;
      if (!unmounted.current) setPhase("idle");
    }
  }

  async function start() {
    setProblem(null);
    setStatus("");
    setPhase("starting");
    let stream: MediaStream;
    let started: MediaRecorder;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (error) {
      setPhase("idle");
      setProblem(microphoneProblem(error));
      return;
    }
    try {
      const type = pickAudioType();
      started = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    } catch (error) {
      stream.getTracks().forEach((t) => t.stop());
      setPhase("idle");
      setProblem(microphoneProblem(error));
      return;
    }
    let chunks: Blob[] = [];
    started.ondataavailable = (event) => {
      if (event.data.size > 0) chunks.push(event.data);
    };
    started.onstop = () => {
      stream.getTracks().forEach((t) => t.stop()); // the browser's recording indicator goes off
      const audio = new Blob(chunks, { type: started.mimeType || chunks[0]?.type || "" });
      chunks = []; // the only copy is the one being sent
      recorder.current = null;
      if (!unmounted.current) void transcribe(audio);
    };
    recorder.current = started;
    startedAt.current = Date.now();
    setElapsed(0);
    started.start();
    setPhase("recording");
    setStatus(`Recording. Press Dictate again to stop; it stops by itself after ${MAX_RECORDING_S / 60} minutes.`);
  }

  const recording = phase === "recording";
  return (
    <div className="mic">
      <button
        type="button"
        className={`mic-button secondary${recording ? " recording" : ""}`}
        aria-pressed={recording}
        disabled={disabled || phase === "starting" || phase === "transcribing"}
        onClick={() => (recording ? recorder.current?.stop() : void start())}
      >
        <svg className="mic-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
          {recording ? (
            <rect x="6" y="6" width="12" height="12" rx="2" fill="currentColor" />
          ) : (
            <path
              fill="currentColor"
              d="M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.92V21h2v-3.08A7 7 0 0 0 19 11h-2z"
            />
          )}
        </svg>
        Dictate
      </button>
      {recording && (
        <span className="mic-timer">
          <span className="mic-dot" aria-hidden="true" /> {clock(elapsed)} / {clock(MAX_RECORDING_S)}
        </span>
      )}
      <span className="mic-note" role="status">
        {status}
      </span>
      {problem && (
        <p role="alert" className="mic-problem">
          {problem}
        </p>
      )}
    </div>
  );
}
