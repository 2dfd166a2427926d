/**
 * The scrubber: every month with assets (from `GET /api/assets/timeline`),
 * grouped by year, newest first. Picking one starts the timeline at that
 * month in one request. A select on every screen (it is keyboard and screen
 * reader friendly as it is), and on wide screens a rail of years too.
 */
import { monthLabel } from './days.ts';
import type { Bucket } from './timeline-data.ts';

export function yearsOf(buckets: readonly Bucket[]): { year: string; months: Bucket[]; count: number }[] {
  const years: { year: string; months: Bucket[]; count: number }[] = [];
  for (const b of buckets) {
    const year = b.month.slice(0, 4);
    const last = years[years.length - 1];
    if (last && last.year === year) {
      last.months.push(b);
      last.count += b.count;
    } else years.push({ year, months: [b], count: b.count });
  }
  return years;
}

export function Scrubber({ buckets, from, onJump }: { buckets: Bucket[]; from: string | null; onJump(month: string | null): void }) {
  const years = yearsOf(buckets);
  const newest = buckets[0]?.month ?? null;
  return (
    <nav class="scrubber" aria-label="Jump to a date">
      <div class="scrubber-select">
        <label for="scrubber-month">Jump to</label>
        <select
          id="scrubber-month"
          value={from ?? newest ?? ''}
          onChange={(e) => {
            const month = e.currentTarget.value;
            onJump(month === newest ? null : month);
            window.scrollTo({ top: 0 });
          }}
        >
          {years.map((y) => (
            <optgroup key={y.year} label={y.year}>
              {y.months.map((m) => (
                <option key={m.month} value={m.month}>
                  {monthLabel(m.month)} ({m.count})
                </option>
              ))}
            </optgroup>
          ))}
        </select>
      </div>
      {years.length > 1 ? (
        <ol class="scrubber-years">
          {years.map((y) => (
            <li key={y.year}>
              <button
                type="button"
                class="link"
                aria-current={from?.startsWith(y.year) || (!from && y.months[0]!.month === newest) ? 'true' : undefined}
                aria-label={`${y.year}: ${y.count} ${y.count === 1 ? 'asset' : 'assets'}`}
                onClick={() => {
                  const first = y.months[0]!.month;
                  onJump(first === newest ? null : first);
                  window.scrollTo({ top: 0 });
                }}
              >
                {y.year}
              </button>
            </li>
          ))}
        </ol>
      ) : null}
    </nav>
  );
}
