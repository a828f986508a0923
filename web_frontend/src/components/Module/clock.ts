/** Seconds as a video's clock: 83 → "1:23", 3723 → "62:03". */
export const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
