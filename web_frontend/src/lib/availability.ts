// Weekly availability: 7 days × 48 half-hour cells in the learner's own zone,
// each "available", "if_needed" or empty. The API stores it as intervals.
import { WEEKDAY_SHORT, formatMinute } from "./time";

export type CellState = "available" | "if_needed" | null;
export type AvailabilityKind = "available" | "if_needed";

export interface AvailabilityBlock {
  weekday: number; // 0 = Monday
  start_minute: number;
  end_minute: number;
  kind: AvailabilityKind;
}

export const SLOT_MINUTES = 30;
export const SLOTS_PER_DAY = 48;

/** An empty week: cells[weekday][slot]. */
export function emptyWeek(): CellState[][] {
  return Array.from({ length: 7 }, () => Array<CellState>(SLOTS_PER_DAY).fill(null));
}

/** Paint intervals onto a week (later blocks win where they overlap). */
export function blocksToWeek(blocks: AvailabilityBlock[]): CellState[][] {
  const week = emptyWeek();
  for (const b of blocks) {
    const row = week[b.weekday];
    if (!row) continue;
    for (let m = b.start_minute; m < b.end_minute; m += SLOT_MINUTES) {
      row[m / SLOT_MINUTES] = b.kind;
    }
  }
  return week;
}

/** Merge runs of equal cells into intervals, Monday first, earliest first. */
export function weekToBlocks(week: CellState[][]): AvailabilityBlock[] {
  const blocks: AvailabilityBlock[] = [];
  week.forEach((row, weekday) => {
    let start = 0;
    for (let slot = 1; slot <= SLOTS_PER_DAY; slot++) {
      if (slot === SLOTS_PER_DAY || row[slot] !== row[start]) {
        const kind = row[start];
        if (kind) {
          blocks.push({
            weekday,
            start_minute: start * SLOT_MINUTES,
            end_minute: slot * SLOT_MINUTES,
            kind,
          });
        }
        start = slot;
      }
    }
  });
  return blocks;
}

/** "Mon 18:00–20:00" (plus " if needed") for one interval. */
export function formatBlock(b: AvailabilityBlock): string {
  const text = `${WEEKDAY_SHORT[b.weekday]} ${formatMinute(b.start_minute)}–${formatMinute(b.end_minute)}`;
  return b.kind === "if_needed" ? `${text} if needed` : text;
}

/** One line per interval, in the syntax parseAvailability reads back. */
export function formatAvailability(blocks: AvailabilityBlock[]): string {
  return blocks.map(formatBlock).join("\n");
}

export interface ParseError {
  line: number; // 1-based
  text: string;
  message: string;
}

export interface ParseResult {
  blocks: AvailabilityBlock[];
  errors: ParseError[];
}

const DAY_NAMES: Record<string, number> = {};
[
  ["mon", "monday", "mo"],
  ["tue", "tues", "tuesday", "tu"],
  ["wed", "weds", "wednesday", "we"],
  ["thu", "thur", "thurs", "thursday", "th"],
  ["fri", "friday", "fr"],
  ["sat", "saturday", "sa"],
  ["sun", "sunday", "su"],
].forEach((names, weekday) => names.forEach((n) => (DAY_NAMES[n] = weekday)));

class LineError extends Error {}

function parseDay(word: string): number {
  const day = DAY_NAMES[word.toLowerCase().replace(/\.$/, "")];
  if (day === undefined) {
    throw new LineError(`"${word}" is not a day of the week; use Mon, Tue, Wed, Thu, Fri, Sat or Sun`);
  }
  return day;
}

function parseDays(text: string): number[] {
  const range = text.split(/\s*[-–—]\s*|\s+to\s+/i);
  if (range.length === 2) {
    const first = parseDay(range[0]!);
    const last = parseDay(range[1]!);
    if (last < first) throw new LineError(`day range "${text}" runs backwards; write it Monday first`);
    return Array.from({ length: last - first + 1 }, (_, i) => first + i);
  }
  return text.split(/\s*[,/&]\s*|\s+and\s+/i).map(parseDay);
}

/** Minutes since midnight for "18:00", "18", "6pm", "6:30 pm", "24:00". */
function parseTime(raw: string): number {
  const m = /^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm)?$/i.exec(raw.trim());
  if (!m) throw new LineError(`"${raw}" is not a time; write it like 18:00 or 6:30pm`);
  let hour = Number(m[1]);
  const minute = Number(m[2] ?? 0);
  const meridiem = m[3]?.toLowerCase();
  if (meridiem) {
    if (hour < 1 || hour > 12) throw new LineError(`"${raw}": with am/pm the hour must be 1–12`);
    hour = (hour % 12) + (meridiem === "pm" ? 12 : 0);
  }
  if (minute > 59 || hour > 24 || (hour === 24 && minute > 0)) {
    throw new LineError(`"${raw}" is not a time of day`);
  }
  if (minute % SLOT_MINUTES !== 0) {
    throw new LineError(`"${raw}": times must be on the hour or half hour (:00 or :30)`);
  }
  return hour * 60 + minute;
}

const LINE = /^(?<days>[a-z.]+(?:\s*(?:[-–—,/&]|to|and)\s*[a-z.]+)*)\s+(?<start>[\d:.h]+\s*(?:am|pm)?)\s*(?:[-–—]|to)\s*(?<end>[\d:.h]+\s*(?:am|pm)?)$/i;

function parseLine(text: string): AvailabilityBlock[] {
  let body = text.trim();
  let kind: AvailabilityKind = "available";
  const ifNeeded = /\s*(\(?\s*if[\s-]needed\s*\)?|\?)$/i;
  if (ifNeeded.test(body)) {
    kind = "if_needed";
    body = body.replace(ifNeeded, "");
  }
  const m = LINE.exec(body);
  if (!m?.groups) {
    throw new LineError('write a day and a time range, like "Mon 18:00–20:00"');
  }
  const days = parseDays(m.groups.days!);
  const start = parseTime(m.groups.start!);
  const end = parseTime(m.groups.end!);
  if (end === start) throw new LineError("the range is empty: start and end are the same");
  if (end < start) {
    const day = WEEKDAY_SHORT[days[0]!];
    const next = WEEKDAY_SHORT[(days[0]! + 1) % 7];
    throw new LineError(
      `the range crosses midnight; split it into "${day} ${formatMinute(start)}–24:00" and "${next} 00:00–${formatMinute(end)}"`,
    );
  }
  return days.map((weekday) => ({ weekday, start_minute: start, end_minute: end, kind }));
}

/**
 * Read typed availability: one range per line (or separated by ";"), e.g.
 * "Mon 18:00–20:00", "Tue-Thu 7pm-9pm", "Sat 10:00-12:00 if needed".
 * Every bad line is reported with its number and what to write instead.
 */
export function parseAvailability(input: string): ParseResult {
  const blocks: AvailabilityBlock[] = [];
  const errors: ParseError[] = [];
  input.split(/\r?\n/).forEach((rawLine, index) => {
    for (const piece of rawLine.split(";")) {
      const text = piece.trim();
      if (!text) continue;
      try {
        blocks.push(...parseLine(text));
      } catch (e) {
        if (!(e instanceof LineError)) throw e;
        errors.push({ line: index + 1, text, message: e.message });
      }
    }
  });
  return { blocks: weekToBlocks(blocksToWeek(blocks)), errors };
}
