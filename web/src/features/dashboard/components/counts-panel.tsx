/**
 * The counts: present, late, left early, early leave, absent and waiting, live. They change several times a
 * second in a big class, so screen readers hear a summary at most every 10 s rather than every change.
 */
import type { AttendanceCounts } from '@qrca/contract';
import { useEffect, useRef, useState } from 'react';

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

const summaryOf = (counts: AttendanceCounts) =>
  `Counts: ${ITEMS.map(({ key, label }) => `${label.toLowerCase()} ${counts[key]}`).join(', ')}.`;

/** The spoken summary, changed at most every {@link ANNOUNCE_EVERY_MS}, always ending on the latest counts. */
function useThrottledSummary(counts: AttendanceCounts | undefined): string {
  const [spoken, setSpoken] = useState('');
  const last = useRef(0);
  const summary = counts ? summaryOf(counts) : '';
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
export function CountsPanel({ counts, total }: { counts: AttendanceCounts | undefined; total: number }) {
  const spoken = useThrottledSummary(counts);
  return (
    <section className="dash-counts" aria-labelledby="counts-title">
      <h2 id="counts-title" className="dash-sr-only">
        Counts
      </h2>
      <ul>
        {ITEMS.map(({ key, label, tone }) => (
          <li key={key} className={`dash-count dash-tone-${tone}`}>
            <strong>{counts ? counts[key] : '–'}</strong>
            <span>{label}</span>
          </li>
        ))}
      </ul>
      <p className="dash-hint">
        {total} {total === 1 ? 'student' : 'students'} in the list. Waiting students (joined, not verified yet) also
        count as absent until they are verified.
      </p>
      <p className="dash-sr-only" aria-live="polite">
        {spoken}
      </p>
    </section>
  );
}
