/**
 * Grouping the timeline by day and month of `takenAt`, in UTC: EXIF dates
 * carry no time zone and are stored as the camera's wall clock read as UTC,
 * so UTC keeps a photo on the day its camera showed.
 */

export interface Day<T> {
  /** `YYYY-MM-DD`. */
  key: string;
  /** `YYYY-MM`. */
  month: string;
  items: T[];
}

/** Consecutive items of one UTC day, in the order given (the API's newest first). */
export function groupByDay<T extends { takenAt: string }>(items: readonly T[]): Day<T>[] {
  const days: Day<T>[] = [];
  for (const item of items) {
    const key = item.takenAt.slice(0, 10);
    const last = days[days.length - 1];
    if (last && last.key === key) last.items.push(item);
    else days.push({ key, month: key.slice(0, 7), items: [item] });
  }
  return days;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const monthFormat = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' });

/** `Mon, 1 May 2024` in the browser's language. */
export const dayLabel = (key: string) => dayFormat.format(new Date(`${key}T00:00:00Z`));
/** `May 2024`. */
export const monthLabel = (month: string) => monthFormat.format(new Date(`${month}-01T00:00:00Z`));

/** The first instant after `month` (`YYYY-MM`), as the API's `takenBefore` to start a list at that month. */
export function startOfNextMonth(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 1)).toISOString();
}
