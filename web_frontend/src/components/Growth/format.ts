/** Signups per click as a percentage, or a dash before the first click. */
export function formatConversion(conversion: number | null | undefined): string {
  if (conversion === null || conversion === undefined) return "—";
  return `${Math.round(conversion * 1000) / 10}%`;
}
