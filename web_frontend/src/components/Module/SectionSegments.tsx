import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { chatHistoryQuery } from "../../api/content";
import type { ChatSegment, Section, Segment } from "../../api/types";
import { SegmentView } from "./SegmentView";
import "./reading.css";

/** A chat the author wrote as a recall exercise: what comes before it is hidden while it runs. */
const isRecallChat = (segment: Segment): segment is ChatSegment => segment.kind === "chat" && !segment.learner_sees_previous;

/** Has the learner sent the tutor anything in this section (their answer from memory)? */
function useAnsweredInSection(moduleSlug: string, sectionId: string): boolean {
  const history = useQuery(chatHistoryQuery(moduleSlug));
  return (history.data?.messages ?? []).some((m) => m.role === "user" && m.section_id === sectionId);
}

function RecallStart({ segment, onStart }: { segment: ChatSegment; onStart: () => void }) {
  return (
    <section className="recall-start card" aria-label={segment.title ?? "From memory"}>
      <h3>{segment.title ?? "From memory"}</h3>
      <p>
        This exercise is done from memory: when you start it, the reading above is hidden. You can show it again once you
        have sent the tutor your answer.
      </p>
      <button type="button" onClick={onStart}>
        Start the exercise
      </button>
    </section>
  );
}

function HiddenReading({
  moduleSlug,
  sectionId,
  shown,
  onToggle,
}: {
  moduleSlug: string;
  sectionId: string;
  shown: boolean;
  onToggle: () => void;
}) {
  const answered = useAnsweredInSection(moduleSlug, sectionId);
  return (
    <div className="recall-notice" role="status">
      {shown ? (
        <p>The reading is shown again: compare it with your answer.</p>
      ) : (
        <p>The reading above this exercise is hidden while you answer from memory.</p>
      )}
      <button type="button" className="secondary small" disabled={!answered} onClick={onToggle}>
        {shown ? "Hide the reading" : "Show the reading again"}
      </button>
      {!answered && <p className="muted small">Available once you have sent the tutor your answer.</p>}
    </div>
  );
}

/**
 * A section's segments in order. A chat with `learner_sees_previous: false` is a recall
 * exercise: it waits behind "Start the exercise", and once started the segments above it are
 * taken off the page (not merely styled away) until the learner has answered and asks to see
 * them again.
 */
export function SectionSegments({ section, moduleSlug }: { section: Section; moduleSlug: string }) {
  const [recall, setRecall] = useState<string | null>(null);
  const [shown, setShown] = useState(false);
  const segments = section.segments;
  const recallAt = recall === null ? -1 : segments.findIndex((s) => s.id === recall);
  const start = (id: string) => {
    setRecall(id);
    setShown(false);
  };

  return (
    <>
      {recallAt > 0 && (
        <HiddenReading moduleSlug={moduleSlug} sectionId={section.id} shown={shown} onToggle={() => setShown((s) => !s)} />
      )}
      {segments.map((segment, index) => {
        if (index < recallAt && !shown) return null;
        if (index > 0 && isRecallChat(segment) && segment.id !== recall) {
          return <RecallStart key={segment.id} segment={segment} onStart={() => start(segment.id)} />;
        }
        return <SegmentView key={segment.id} segment={segment} moduleSlug={moduleSlug} sectionId={section.id} />;
      })}
    </>
  );
}
