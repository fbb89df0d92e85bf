/**
 * The counts: present, late, left early, early leave, absent and waiting, live. They change several times a
 * second in a big class, so screen readers hear a summary at most every 10 s rather than every change. Memoised:
 * a batch of row changes without new counts leaves the panel alone.
 */
import type { AttendanceCounts } from '@qrca/contract';
import { memo, useEffect, useRef, useState } from 'react';

/** How often the spoken summary may change. */
const ANNOUNCE_EVERY_MS = 10_000;

const ITEMS: readonly { key: keyof AttendanceCounts; label: string; tone: string }[] = [
  { key: 'present', label: 'Present', tone: 'good' },
  { key: 'late', label: 'Late', tone: 'neutral' },
  { key: 'left_early', label: 'Left early', tone: 'neutral' },
  { key: 'early_leave', label: 'Early leave', tone: 'neutral' },
  { key: 'absent', label: 'Absent', tone: 'bad' },
  { key: 'unverified', label: 'Waiting', tone: 'waiting' },
];

/** Once the session has ended nobody is waiting any more: those joined and never verified are absent. */
const ENDED_LABEL: Partial<Record<keyof AttendanceCounts, string>> = { unverified: 'Never verified' };
const labelOf = (key: keyof AttendanceCounts, label: string, ended: boolean) =>
  (ended ? ENDED_LABEL[key] : undefined) ?? label;

const summaryOf = (counts: AttendanceCounts, ended: boolean) =>
  `Counts: ${ITEMS.map(({ key, label }) => `${labelOf(key, label, ended).toLowerCase()} ${counts[key]}`).join(', ')}.`;

/** The spoken summary, changed at most every {@link ANNOUNCE_EVERY_MS}, always ending on the latest counts. */
function useThrottledSummary(counts: AttendanceCounts | undefined, ended: boolean): string {
  const [spoken, setSpoken] = useState('');
  const last = useRef(0);
  const summary = counts ? summaryOf(counts, ended) : '';
  useEffect(() => {
    if (!summary || summary === spoken) return;
    const wait = Math.max(0, last.current + ANNOUNCE_EVERY_MS - Date.now());
    const timer = setTimeout(() => {
      last.current = Date.now();
      setSpoken(summary);
    }, wait);
    return () => clearTimeout(timer);
  }, [summary, spoken]);
  return spoken;
}

/** Throws nothing. */
export const CountsPanel = memo(function CountsPanel({
  counts,
  total,
  ended = false,
}: {
  counts: AttendanceCounts | undefined;
  total: number;
  /** The session has ended: statuses are final, nobody is waiting. */
  ended?: boolean;
}) {
  const spoken = useThrottledSummary(counts, ended);
  return (
    <section className="dash-counts" aria-labelledby="counts-title">
      <h2 id="counts-title" className="dash-sr-only">
        Counts
      </h2>
      <ul>
        {ITEMS.map(({ key, label, tone }) => (
          <li key={key} className={`dash-count dash-tone-${tone}`}>
            <strong>{counts ? counts[key] : '–'}</strong>
            <span>{labelOf(key, label, ended)}</span>
          </li>
        ))}
      </ul>
      <p className="dash-hint">
        {total} {total === 1 ? 'student' : 'students'} in the list.{' '}
        {ended
          ? 'Never verified: joined but never checked in (absent, unless you overrode them).'
          : 'Waiting students (joined, not verified yet) also count as absent until they are verified.'}
      </p>
      <p className="dash-sr-only" aria-live="polite">
        {spoken}
      </p>
    </section>
  );
});
