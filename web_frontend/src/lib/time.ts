// Time zones without a library: Intl knows every IANA zone and its rules, and
// these helpers turn "a wall-clock time in zone Z" into an instant and back.

export const WEEKDAYS = [
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
  "Sunday",
] as const;
export const WEEKDAY_SHORT = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;

/** The browser's IANA zone, or UTC when it cannot tell. */
export function detectTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** Whether `zone` is an IANA zone this browser knows. */
export function isValidTimeZone(zone: string): boolean {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Every zone the browser knows (for pickers); falls back to a short list. */
export function listTimeZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const zones = intl.supportedValuesOf?.("timeZone") ?? [];
  return zones.length > 0 ? zones : ["UTC", "Europe/London", "America/New_York"];
}

/** "18:00" for a minute of the day (1440 becomes "24:00"). */
export function formatMinute(minute: number): string {
  const h = Math.floor(minute / 60);
  const m = minute % 60;
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  weekday: number; // 0 = Monday
}

const partsCache = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = partsCache.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      weekday: "short",
    });
    partsCache.set(zone, f);
  }
  return f;
}

/** The wall clock that `instant` shows in `zone`. */
export function wallClockIn(instant: Date, zone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(zone).formatToParts(instant)) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
    weekday: WEEKDAY_SHORT.indexOf(parts.weekday as (typeof WEEKDAY_SHORT)[number]),
  };
}

/** Offset of `zone` from UTC at `instant`, in minutes (Berlin in winter: 60). */
export function zoneOffsetMinutes(instant: Date, zone: string): number {
  const w = wallClockIn(instant, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  const floored = Math.floor(instant.getTime() / 60000) * 60000;
  return Math.round((asUtc - floored) / 60000);
}

/** The instant when `zone`'s clocks show the given date and time. */
export function zonedToInstant(
  year: number,
  month: number,
  day: number,
  minuteOfDay: number,
  zone: string,
): Date {
  const naive = Date.UTC(year, month - 1, day, 0, minuteOfDay);
  // Two passes settle the offset, including near a daylight-saving change.
  let guess = naive - zoneOffsetMinutes(new Date(naive), zone) * 60000;
  guess = naive - zoneOffsetMinutes(new Date(guess), zone) * 60000;
  return new Date(guess);
}

/** "UTC+1", "UTC−4:30", "UTC" for an offset in minutes. */
export function formatOffset(offset: number): string {
  if (offset === 0) return "UTC";
  const sign = offset > 0 ? "+" : "−";
  const abs = Math.abs(offset);
  const h = Math.floor(abs / 60);
  const m = abs % 60;
  return `UTC${sign}${h}${m ? `:${String(m).padStart(2, "0")}` : ""}`;
}

/** "Tue 14 Oct, 18:00" for an instant, as shown in `zone`. */
export function formatDateTime(iso: string | Date, zone: string): string {
  const d = typeof iso === "string" ? new Date(iso) : iso;
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).format(d);
}

/** "14 Oct 2025" for a date-only string (YYYY-MM-DD), independent of zones. */
export function formatDate(isoDate: string): string {
  const [y, m, d] = isoDate.slice(0, 10).split("-").map(Number);
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: "UTC",
    day: "numeric",
    month: "short",
    year: "numeric",
  }).format(new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)));
}

export interface WeeklyTime {
  weekday: number; // 0 = Monday
  minute: number; // minute of the day
}

/** Where an instant falls in the week of `zone`. */
export function weeklyTimeIn(instant: Date, zone: string): WeeklyTime {
  const w = wallClockIn(instant, zone);
  return { weekday: w.weekday, minute: w.hour * 60 + w.minute };
}

/** "Monday 18:00–19:00" for a meeting starting at `instant`, shown in `zone`. */
export function formatWeeklySlot(instant: Date, minutes: number, zone: string): string {
  const start = weeklyTimeIn(instant, zone);
  const end = weeklyTimeIn(new Date(instant.getTime() + minutes * 60000), zone);
  return `${WEEKDAYS[start.weekday]} ${formatMinute(start.minute)}–${formatMinute(end.minute)}`;
}

/**
 * Where a weekly wall-clock slot in `fromZone` lands in `toZone`, on the week
 * of `reference` (the answer can differ across a daylight-saving change).
 */
export function convertWeeklySlot(
  weekday: number,
  minute: number,
  fromZone: string,
  toZone: string,
  reference: Date = new Date(),
): WeeklyTime & { dayShift: number } {
  const ref = wallClockIn(reference, fromZone);
  const refNoon = Date.UTC(ref.year, ref.month - 1, ref.day, 12);
  const target = new Date(refNoon + (weekday - ref.weekday) * 86400000);
  const instant = zonedToInstant(
    target.getUTCFullYear(),
    target.getUTCMonth() + 1,
    target.getUTCDate(),
    minute,
    fromZone,
  );
  const out = weeklyTimeIn(instant, toZone);
  const dayShift = ((out.weekday - weekday + 10) % 7) - 3; // -3..3, usually -1, 0 or 1
  return { ...out, dayShift };
}
