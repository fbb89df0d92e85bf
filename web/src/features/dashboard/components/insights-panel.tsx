/**
 * The Insights panel: how the class checked in, for a teacher in a hurry — big numbers in tiles (how fast the
 * class got in, who got in, hand-offs, chains, stalls, methods), the cumulative check-in curve as a chart (with its
 * numbers in a table under it), flags, spot checks, and the optional summary written by Azure OpenAI from these
 * numbers. The figures are computed on request, not pushed: Refresh takes them afresh until the session has ended,
 * when they are final.
 */
import type { InsightFigures, InsightsResponse } from '@qrca/contract';
import { useId, useMemo, type ReactNode } from 'react';
import { Busy, ErrorNotice } from '../../../components/notice';
import { plural } from '../../../lib/plural';
import { useInsights, useInsightSummary } from '../api/insights';
import {
  curveSentence,
  flagRows,
  formatDuration,
  methodRows,
  sampleCurve,
  stallRows,
  stallTotal,
  students,
  FINAL_NOTE,
  SUMMARY_OFF,
  SUMMARY_TITLE,
  SUMMARY_UNAVAILABLE,
  type CountRow,
} from '../lib/insights-view';
import { formatTime } from '../lib/labels';
import { ActionButton } from './action-button';
import { CheckinChart } from './checkin-chart';

/**
 * One tile: what (the term), the big value, and an optional line or list under it. In a group of five: one row on a
 * laptop; on a tablet `third` tiles go three a row and the others two; on a phone two a row, `wide` ones alone.
 */
function Tile({
  term,
  value,
  third = false,
  wide = false,
  children,
}: {
  term: string;
  value: ReactNode;
  third?: boolean;
  wide?: boolean;
  children?: ReactNode;
}) {
  const className = ['dash-tile', third && 'dash-tile-third', wide && 'dash-tile-wide'].filter(Boolean).join(' ');
  return (
    <div className={className}>
      <dt>{term}</dt>
      <dd className="dash-tile-value">{value}</dd>
      {children !== undefined && <dd className="dash-tile-detail">{children}</dd>}
    </div>
  );
}

/** Rows with a count each, as a short list ("2 No hand-off for a while"); zero rows left out unless `zeros`. */
function CountList({ rows, zeros = false }: { rows: readonly CountRow[]; zeros?: boolean }) {
  const shown = zeros ? rows : rows.filter((row) => row.count > 0);
  return (
    <ul className="dash-count-list">
      {shown.map((row) => (
        <li key={row.key}>
          <strong>{row.count}</strong> <span>{row.label}</span>
        </li>
      ))}
    </ul>
  );
}

function EntryTiles({ figures }: { figures: InsightFigures }) {
  const { entry, students: people } = figures;
  const methods = methodRows(entry.byMethod);
  return (
    <dl className="dash-tiles">
      <Tile term="50 % checked in" value={formatDuration(entry.timeTo50Ms)} third />
      <Tile term="90 % checked in" value={formatDuration(entry.timeTo90Ms)} third />
      <Tile term="100 % checked in" value={formatDuration(entry.timeTo100Ms)} third />
      <Tile
        term="Checked in"
        value={
          <>
            {people.verified} <span className="dash-tile-of">of {people.joined}</span>
          </>
        }
      >
        {people.onTime} on time, {people.late} late
      </Tile>
      <Tile term="Check-ins by method" value={methods.reduce((sum, row) => sum + row.count, 0)} wide>
        <CountList rows={methods} zeros />
      </Tile>
    </dl>
  );
}

function ChainTiles({ figures }: { figures: InsightFigures }) {
  const { handOffs, chains } = figures;
  const stalls = stallTotal(chains.stalls);
  return (
    <dl className="dash-tiles">
      <Tile term="Median hand-off" value={formatDuration(handOffs.medianMs)} third>
        {plural(handOffs.count, 'hand-off', 'hand-offs')}
      </Tile>
      <Tile term="Chains started" value={chains.started} third>
        {chains.entry} entry, {chains.exit} exit
      </Tile>
      <Tile term="Stalls" value={stalls} third wide>
        {stalls === 0 ? 'No chain stalled.' : <CountList rows={stallRows(chains.stalls)} />}
      </Tile>
      <Tile term="Reseeds" value={chains.reseeds}>
        Batons passed on after a stall
      </Tile>
      <Tile term="Chains ended" value={chains.endedByClassmate + chains.closedByTeacher}>
        {chains.endedByClassmate} by a classmate, {chains.closedByTeacher} closed by a teacher
      </Tile>
    </dl>
  );
}

function Curve({ figures }: { figures: InsightFigures }) {
  const { curve } = figures.entry;
  const label = useMemo(() => curveSentence(figures), [figures]);
  const rows = useMemo(() => sampleCurve(curve), [curve]);
  const titleId = useId();
  return (
    <div className="dash-insights-curve" role="group" aria-labelledby={titleId}>
      <h3 id={titleId}>Check-ins over time</h3>
      {curve.length === 0 ? (
        <p className="dash-hint">Nobody has checked in yet.</p>
      ) : (
        <>
          <CheckinChart curve={curve} ceiling={figures.students.joined} label={label} />
          <details className="dash-insights-table">
            <summary>The chart as a table</summary>
            {rows.length < curve.length && (
              <p className="dash-hint">
                {rows.length} of {curve.length} moments, the first and the last included.
              </p>
            )}
            <table>
              <thead>
                <tr>
                  <th scope="col">Time since entry began</th>
                  <th scope="col">Checked in</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={row.atMs}>
                    <td>{row.time}</td>
                    <td>{row.verified}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      )}
    </div>
  );
}

function Flags({ flags }: { flags: InsightFigures['flags'] }) {
  const rows = flagRows(flags.byKind);
  return (
    <div className="dash-insights-box">
      <h3>Flags</h3>
      {flags.flaggedStudents === 0 && rows.length === 0 ? (
        <p className="dash-hint">No student was flagged.</p>
      ) : (
        <>
          <p className="dash-insights-lead">
            <strong>{flags.flaggedStudents}</strong> {flags.flaggedStudents === 1 ? 'student' : 'students'} flagged
          </p>
          <ul className="dash-count-list">
            {rows.map((row) => (
              <li key={row.key}>
                <span>{row.label}</span>: <strong>{students(row.count)}</strong>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function SpotChecks({ spot }: { spot: InsightFigures['spotChecks'] }) {
  return (
    <div className="dash-insights-box">
      <h3>Spot checks</h3>
      {spot.picked === 0 ? (
        <p className="dash-hint">No spot check yet.</p>
      ) : (
        <dl className="dash-tiles-small">
          <Tile term="Picked" value={spot.picked} />
          <Tile term="Here" value={spot.here} />
          <Tile term="Not here" value={spot.notHere} />
          <Tile term="Unanswered" value={spot.unanswered} />
        </dl>
      )}
    </div>
  );
}

/** The summary the figures came with, or — `skipped` — the one asked for after them. */
function Summary({ insights }: { insights: InsightsResponse }) {
  const skipped = insights.summary.state === 'skipped';
  const asked = useInsightSummary(insights.sessionId, skipped ? insights.computedAt : undefined);
  if (!skipped) return <SummaryText summary={insights.summary} />;
  if (asked.isPending) return <Busy label="Writing the summary…" />;
  return <SummaryText summary={asked.data ?? { state: 'unavailable', text: null }} />;
}

function SummaryText({ summary }: { summary: InsightsResponse['summary'] }) {
  const titleId = useId();
  if (summary.state === 'off') return <p className="dash-hint">{SUMMARY_OFF}</p>;
  const text = summary.text?.trim();
  if (summary.state !== 'ready' || !text) return <p className="dash-hint">{SUMMARY_UNAVAILABLE}</p>;
  return (
    <div className="dash-insights-summary" role="group" aria-labelledby={titleId}>
      <h3 id={titleId}>{SUMMARY_TITLE}</h3>
      <blockquote>
        {text.split(/\n\s*\n/).map((paragraph, index) => (
          <p key={index}>{paragraph}</p>
        ))}
      </blockquote>
    </div>
  );
}

function Figures({ insights }: { insights: InsightsResponse }) {
  const { figures } = insights;
  const { entry, students: people } = figures;
  const entryId = useId();
  const chainsId = useId();
  return (
    <>
      <div className="dash-insights-group" role="group" aria-labelledby={entryId}>
        <h3 id={entryId}>Getting in</h3>
        <p className="dash-hint">
          {entry.startedAt
            ? `Times count from when entry began (${formatTime(entry.startedAt, true)}); the shares are of the ${students(people.onTime)} checked in on time.`
            : 'Entry has not begun yet.'}
        </p>
        <EntryTiles figures={figures} />
      </div>
      <Curve figures={figures} />
      <div className="dash-insights-group" role="group" aria-labelledby={chainsId}>
        <h3 id={chainsId}>Chains and hand-offs</h3>
        <ChainTiles figures={figures} />
      </div>
      <div className="dash-insights-pair">
        <Flags flags={figures.flags} />
        <SpotChecks spot={figures.spotChecks} />
      </div>
      <Summary insights={insights} />
    </>
  );
}

/** Throws nothing; errors are shown in the panel (over the last figures, when there are some). */
export function InsightsPanel({ sessionId }: { sessionId: string }) {
  const insights = useInsights(sessionId);
  const titleId = useId();
  const { data } = insights;
  const refreshing = insights.isFetching;
  return (
    <section className="dash-card dash-insights" aria-labelledby={titleId}>
      <div className="dash-activity-head">
        <h2 id={titleId}>Insights</h2>
        {data && !data.frozen && (
          <ActionButton
            busy={refreshing}
            busyLabel="Refreshing…"
            className="secondary dash-small"
            onClick={() => void insights.refetch()}
          >
            Refresh
          </ActionButton>
        )}
      </div>
      {data && (
        <p className={data.frozen ? 'dash-insights-final' : 'dash-hint'} role="status">
          {data.frozen
            ? FINAL_NOTE
            : `Computed at ${formatTime(data.computedAt, true)}; not updated live: Refresh for the latest.`}
        </p>
      )}
      {insights.isPending && <Busy label="Working out the figures…" />}
      <ErrorNotice error={insights.error} />
      {data && <Figures insights={data} />}
    </section>
  );
}
