/**
 * The live dashboard of one session (`/sessions/:sessionId`), for its teachers: the header (times, join code,
 * projector and edit links), live counts, phase controls, the chain panel, the roster table with overrides,
 * spot checks, insights (on request), the export and the activity list. Real-time deltas write into the query cache in batches; while real time is
 * down the lists are polled.
 */
import type { Session } from '@qrca/contract';
import { routePath, routes } from '@qrca/contract';
import { useCallback, useMemo, useState } from 'react';
import { useParams } from 'react-router';
import { Busy, ErrorNotice, PageMessage } from '../../../components/notice';
import { useMe } from '../../auth/api/me';
import { useSession } from '../../student/api/session';
import { useAttendance } from '../api/attendance';
import { useChains } from '../api/chains';
import { useLiveDashboard } from '../hooks/use-live-dashboard';
import { useNow } from '../hooks/use-now';
import type { People } from '../lib/activity';
import { rowsOf } from '../lib/attendance-state';
import { displayStatus } from '../lib/roster-view';
import { ActivityPanel } from './activity-panel';
import { ChainPanel } from './chain-panel';
import { CountsPanel } from './counts-panel';
import { InsightsPanel } from './insights-panel';
import { OverrideDialog } from './override-dialog';
import { PhaseControls } from './phase-controls';
import { RosterTable } from './roster-table';
import { SessionHeader } from './session-header';
import { SpotCheckCard } from './spot-check-card';
import '../dashboard.css';

function ExportLinks({ sessionId }: { sessionId: string }) {
  const base = `/api/${routePath(routes.exportGet.path, { id: sessionId })}`;
  return (
    <section className="dash-card dash-export" aria-labelledby="export-title">
      <h2 id="export-title">Export</h2>
      <p className="dash-hint">
        One row per student with times, methods, final status, overrides, flags and spot checks.
      </p>
      <p className="dash-actions">
        <a className="button secondary" href={`${base}?format=csv`} download>
          Download CSV
        </a>
        <a className="button secondary" href={`${base}?format=json`} download>
          Download JSON
        </a>
      </p>
    </section>
  );
}

/** The dashboard; students and strangers get a message instead. */
export function DashboardPage() {
  const { sessionId = '' } = useParams();
  const session = useSession(sessionId);
  const me = useMe();
  const live = useLiveDashboard(sessionId);
  const attendance = useAttendance(sessionId, live.pollMs);
  const chains = useChains(sessionId, live.pollMs);
  const now = useNow(1_000);
  const [overriding, setOverriding] = useState<string>();

  const state = attendance.data;
  const rows = useMemo(() => (state ? rowsOf(state) : []), [state]);
  const getRows = useCallback(() => rows, [rows]);
  const rowOf = useCallback((id: string) => state?.byId.get(id), [state]);
  const people = useMemo<People>(
    () => ({
      nameOf: (id) => {
        const row = state?.byId.get(id);
        return row ? (row.name ?? row.email) : undefined;
      },
      meId: me.data?.id,
    }),
    [state, me.data?.id],
  );

  if (session.isPending) return <Busy label="Loading the session…" />;
  if (session.error || session.data.yourRole === 'student') {
    return (
      <PageMessage title="The dashboard is for the session’s teachers">
        <ErrorNotice error={session.error} />
      </PageMessage>
    );
  }
  const data = session.data as Session;
  const ended = data.status === 'ended';
  const overrideRow = overriding ? state?.byId.get(overriding) : undefined;

  return (
    <main className="dash">
      <SessionHeader session={data} now={now} />
      {live.realtime !== 'connected' && live.realtime !== 'connecting' && (
        <p className="banner" role="status">
          Live updates are paused; the dashboard refreshes every 5 seconds.
        </p>
      )}
      <CountsPanel counts={state?.counts} total={rows.length} ended={ended} />
      <div className="dash-columns">
        <PhaseControls session={data} now={now} />
        <ChainPanel
          session={data}
          chains={chains.data}
          chainsError={chains.error}
          rows={getRows}
          stalls={live.stalls}
          lastStall={live.lastStall}
          now={now}
        />
      </div>
      {attendance.isPending ? (
        <Busy label="Loading the roster…" />
      ) : (
        <>
          <ErrorNotice error={attendance.error} />
          <RosterTable rows={rows} entryClosesAt={data.entryClosesAt} ended={ended} onOverride={setOverriding} />
        </>
      )}
      <SpotCheckCard sessionId={sessionId} rowOf={rowOf} />
      <InsightsPanel sessionId={sessionId} />
      <ExportLinks sessionId={sessionId} />
      <ActivityPanel sessionId={sessionId} people={people} />
      {overrideRow && (
        <OverrideDialog
          sessionId={sessionId}
          row={overrideRow}
          status={displayStatus(overrideRow, ended)}
          onClose={() => setOverriding(undefined)}
        />
      )}
    </main>
  );
}
