// The typed alternative to the grid: "Mon 18:00–20:00", one range per line.
import { useId, useState } from "react";
import {
  blocksToWeek,
  formatAvailability,
  parseAvailability,
  weekToBlocks,
  type CellState,
  type ParseError,
} from "../../lib/availability";

interface Props {
  value: CellState[][];
  onChange: (week: CellState[][]) => void;
}

export function TypedAvailability({ value, onChange }: Props) {
  const id = useId();
  const [text, setText] = useState(() => formatAvailability(weekToBlocks(value)));
  const [errors, setErrors] = useState<ParseError[]>([]);
  const [applied, setApplied] = useState("");

  function apply() {
    const result = parseAvailability(text);
    setErrors(result.errors);
    if (result.errors.length === 0) {
      onChange(blocksToWeek(result.blocks));
      setApplied(
        result.blocks.length
          ? `Applied ${result.blocks.length} time range${result.blocks.length > 1 ? "s" : ""} to the grid.`
          : "Cleared the grid.",
      );
    } else {
      setApplied("");
    }
  }

  return (
    <div className="typed-availability">
      <label htmlFor={`${id}-text`}>Or type your times</label>
      <p className="hint" id={`${id}-hint`}>
        One range per line, in your time zone: <code>Mon 18:00–20:00</code>,{" "}
        <code>Tue-Thu 7pm-9pm</code>, <code>Sat 10:00–12:00 if needed</code>. Applying replaces the
        grid.
      </p>
      <textarea
        id={`${id}-text`}
        rows={5}
        value={text}
        aria-describedby={`${id}-hint${errors.length ? ` ${id}-errors` : ""}`}
        aria-invalid={errors.length > 0}
        onChange={(e) => setText(e.target.value)}
      />
      <div className="row">
        <button type="button" onClick={apply}>
          Apply typed times
        </button>
        <button type="button" className="secondary" onClick={() => setText(formatAvailability(weekToBlocks(value)))}>
          Copy from grid
        </button>
      </div>
      <div role="status" aria-live="polite">
        {applied && <p className="success">{applied}</p>}
      </div>
      {errors.length > 0 && (
        <div id={`${id}-errors`} role="alert" className="error-box">
          <p>Nothing was applied. Please fix:</p>
          <ul>
            {errors.map((e, i) => (
              <li key={i}>
                Line {e.line} (“{e.text}”): {e.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
