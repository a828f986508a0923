// The weekly availability grid: an ARIA grid of 30-minute cells in the
// learner's own zone. Mouse drag and touch paint a rectangle; the keyboard
// moves with the arrow keys and marks with Space/Enter (Shift+arrow paints
// while moving); every cell says its day, time and state to a screen reader.
import { useEffect, useId, useRef, useState } from "react";
import type { KeyboardEvent, PointerEvent } from "react";
import {
  SLOTS_PER_DAY,
  SLOT_MINUTES,
  type AvailabilityKind,
  type CellState,
} from "../../lib/availability";
import { WEEKDAYS, WEEKDAY_SHORT, formatMinute } from "../../lib/time";

export const DEFAULT_FIRST_SLOT = 16; // 08:00
export const DEFAULT_LAST_SLOT = 43; // the 21:30–22:00 cell

interface Cell {
  day: number;
  slot: number;
}

interface Drag {
  anchor: Cell;
  paint: CellState;
  base: CellState[][];
}

const STATE_LABEL: Record<AvailabilityKind, string> = {
  available: "available",
  if_needed: "if needed",
};

/** "Monday 18:00–18:30, available" — what a screen reader hears for a cell. */
export function cellLabel(day: number, slot: number, state: CellState): string {
  const start = slot * SLOT_MINUTES;
  const time = `${formatMinute(start)}–${formatMinute(start + SLOT_MINUTES)}`;
  return `${WEEKDAYS[day]} ${time}, ${state ? STATE_LABEL[state] : "not available"}`;
}

function paintRect(base: CellState[][], a: Cell, b: Cell, paint: CellState): CellState[][] {
  const [d0, d1] = [Math.min(a.day, b.day), Math.max(a.day, b.day)];
  const [s0, s1] = [Math.min(a.slot, b.slot), Math.max(a.slot, b.slot)];
  return base.map((row, day) =>
    day < d0 || day > d1 ? row : row.map((cell, slot) => (slot < s0 || slot > s1 ? cell : paint)),
  );
}

function hasCellsOutside(week: CellState[][], first: number, last: number): boolean {
  return week.some((row) => row.some((cell, slot) => cell !== null && (slot < first || slot > last)));
}

function cellFromElement(el: Element | null): Cell | null {
  const cell = el?.closest<HTMLElement>("[data-slot]");
  if (!cell) return null;
  return { day: Number(cell.dataset.day), slot: Number(cell.dataset.slot) };
}

export interface AvailabilityGridProps {
  value: CellState[][];
  onChange: (week: CellState[][]) => void;
  timeZone: string;
}

export function AvailabilityGrid({ value, onChange, timeZone }: AvailabilityGridProps) {
  const id = useId();
  const gridRef = useRef<HTMLDivElement>(null);
  const drag = useRef<Drag | null>(null);
  const [mode, setMode] = useState<AvailabilityKind>("available");
  const [showAll, setShowAll] = useState(() =>
    hasCellsOutside(value, DEFAULT_FIRST_SLOT, DEFAULT_LAST_SLOT),
  );
  const first = showAll ? 0 : DEFAULT_FIRST_SLOT;
  const last = showAll ? SLOTS_PER_DAY - 1 : DEFAULT_LAST_SLOT;
  const [focus, setFocus] = useState<Cell>({ day: 0, slot: 36 }); // Monday 18:00
  const [announcement, setAnnouncement] = useState("");
  const focusInGrid = useRef(false);

  const clampedFocus = { day: focus.day, slot: Math.min(Math.max(focus.slot, first), last) };

  useEffect(() => {
    if (!focusInGrid.current) return;
    gridRef.current
      ?.querySelector<HTMLElement>(`[data-day="${clampedFocus.day}"][data-slot="${clampedFocus.slot}"]`)
      ?.focus();
  }, [clampedFocus.day, clampedFocus.slot]);

  useEffect(() => {
    const end = () => (drag.current = null);
    window.addEventListener("pointerup", end);
    window.addEventListener("pointercancel", end);
    return () => {
      window.removeEventListener("pointerup", end);
      window.removeEventListener("pointercancel", end);
    };
  }, []);

  function setCell(cell: Cell, state: CellState) {
    onChange(paintRect(value, cell, cell, state));
    setAnnouncement(cellLabel(cell.day, cell.slot, state));
  }

  function toggle(cell: Cell) {
    const current = value[cell.day]?.[cell.slot] ?? null;
    setCell(cell, current === mode ? null : mode);
  }

  function switchMode(next: AvailabilityKind) {
    setMode(next);
    setAnnouncement(`Marking cells as ${STATE_LABEL[next]}`);
  }

  function moveTo(target: Cell, paint: boolean) {
    const next = {
      day: Math.min(Math.max(target.day, 0), 6),
      slot: Math.min(Math.max(target.slot, first), last),
    };
    focusInGrid.current = true;
    setFocus(next);
    if (paint) setCell(next, mode);
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const { day, slot } = clampedFocus;
    const ctrl = event.ctrlKey || event.metaKey;
    const moves: Record<string, Cell> = {
      ArrowUp: { day, slot: slot - 1 },
      ArrowDown: { day, slot: slot + 1 },
      ArrowLeft: { day: day - 1, slot },
      ArrowRight: { day: day + 1, slot },
      PageUp: { day, slot: slot - 4 },
      PageDown: { day, slot: slot + 4 },
      Home: ctrl ? { day: 0, slot: first } : { day: 0, slot },
      End: ctrl ? { day: 6, slot: last } : { day: 6, slot },
    };
    const target = moves[event.key];
    if (target) {
      event.preventDefault();
      moveTo(target, event.shiftKey && event.key.startsWith("Arrow"));
    } else if (event.key === " " || event.key === "Enter") {
      event.preventDefault();
      toggle(clampedFocus);
    } else if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      setCell(clampedFocus, null);
    } else if (event.key === "m" || event.key === "M") {
      event.preventDefault();
      switchMode(mode === "available" ? "if_needed" : "available");
    }
  }

  function onPointerDown(event: PointerEvent<HTMLDivElement>) {
    const cell = cellFromElement(event.target as Element);
    if (!cell || event.button > 0) return;
    event.preventDefault(); // no text selection while painting
    const current = value[cell.day]?.[cell.slot] ?? null;
    const paint = current === mode ? null : mode;
    drag.current = { anchor: cell, paint, base: value };
    focusInGrid.current = true;
    setFocus(cell);
    // preventDefault above also stops the browser from focusing the cell, so do it here.
    (event.target as Element).closest<HTMLElement>("[data-slot]")?.focus();
    onChange(paintRect(value, cell, cell, paint));
  }

  function onPointerMove(event: PointerEvent<HTMLDivElement>) {
    const d = drag.current;
    if (!d || typeof document.elementFromPoint !== "function") return;
    // Touch keeps sending events to the first cell, so find the cell under the finger.
    const cell = cellFromElement(document.elementFromPoint(event.clientX, event.clientY));
    if (cell) onChange(paintRect(d.base, d.anchor, cell, d.paint));
  }

  const helpId = `${id}-help`;
  const slots = Array.from({ length: last - first + 1 }, (_, i) => first + i);

  return (
    <div className="availability">
      <fieldset className="mode-switch">
        <legend>Mark cells as</legend>
        {(["available", "if_needed"] as const).map((kind) => (
          <label key={kind} className={`mode-option mode-${kind}`}>
            <input
              type="radio"
              name={`${id}-mode`}
              value={kind}
              checked={mode === kind}
              onChange={() => switchMode(kind)}
            />
            {kind === "available" ? "Available" : "If needed"}
          </label>
        ))}
      </fieldset>
      <p id={helpId} className="hint">
        Times are in <strong>{timeZone}</strong>. Drag across cells, or use the arrow keys to move,
        Space or Enter to mark a cell, Shift + arrow to mark while moving, M to switch between
        "available" and "if needed", and Delete to clear.
      </p>
      <button
        type="button"
        className="link-button"
        aria-pressed={showAll}
        onClick={() => setShowAll(!showAll)}
      >
        {showAll ? "Show 08:00–22:00 only" : "Show all 24 hours"}
      </button>
      <div
        ref={gridRef}
        role="grid"
        aria-label={`Weekly availability, times in ${timeZone}`}
        aria-describedby={helpId}
        aria-multiselectable="true"
        aria-rowcount={slots.length + 1}
        aria-colcount={8}
        className="grid"
        onKeyDown={onKeyDown}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onFocus={() => (focusInGrid.current = true)}
        onBlur={(e) => {
          if (!e.currentTarget.contains(e.relatedTarget as Node | null)) focusInGrid.current = false;
        }}
      >
        <div role="row" className="grid-row grid-head" aria-rowindex={1}>
          <div role="columnheader" className="grid-corner">
            <span className="sr-only">Time</span>
          </div>
          {WEEKDAY_SHORT.map((short, day) => (
            <div role="columnheader" key={short} aria-label={WEEKDAYS[day]}>
              {short}
            </div>
          ))}
        </div>
        {slots.map((slot, index) => (
          <div role="row" className="grid-row" key={slot} aria-rowindex={index + 2}>
            <div role="rowheader" className={`grid-time ${slot % 2 ? "half" : ""}`}>
              {formatMinute(slot * SLOT_MINUTES)}
            </div>
            {WEEKDAYS.map((_, day) => {
              const state = value[day]?.[slot] ?? null;
              const focused = clampedFocus.day === day && clampedFocus.slot === slot;
              return (
                <div
                  role="gridcell"
                  key={day}
                  data-day={day}
                  data-slot={slot}
                  data-state={state ?? "none"}
                  tabIndex={focused ? 0 : -1}
                  aria-selected={state !== null}
                  aria-label={cellLabel(day, slot, state)}
                  className={`cell cell-${state ?? "none"}${slot % 2 ? " half" : ""}`}
                  onFocus={() => {
                    if (!focused) setFocus({ day, slot });
                  }}
                >
                  <span aria-hidden="true">{state === "available" ? "✓" : state ? "?" : ""}</span>
                </div>
              );
            })}
          </div>
        ))}
      </div>
      <div className="sr-only" aria-live="polite" role="status">
        {announcement}
      </div>
    </div>
  );
}
