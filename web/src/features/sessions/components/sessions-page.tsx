/** A teacher's sessions (`/sessions`): active, upcoming and ended, each with its dashboard, projector and edit links. */
import type { Session } from '@qrca/contract';
import { useState } from 'react';
import { Link, useLocation } from 'react-router';
import { Busy, ErrorNotice, PageMessage } from '../../../components/notice';
import { useMe } from '../../auth/api/me';
import { useSessions } from '../api/sessions-list';
import { formatWhen, groupSessions } from '../lib/group-sessions';
import '../sessions.css';

/** Ended sessions shown before "Show all". */
const ENDED_SHOWN = 10;

const STATUS_TEXT: Record<Session['status'], string> = { active: 'Active', scheduled: 'Upcoming', ended: 'Ended' };

function rosterText(count: number): string {
  if (count === 0) return 'No roster';
  return `${count.toLocaleString()} on the roster`;
}

function SessionRow({ session }: { session: Session }) {
  const titleId = `session-${session.id}-title`;
  return (
    <li className="session-row">
      <div className="session-row-main">
        <h3 id={titleId} className="session-row-title">
          {session.title}
        </h3>
        <p className="session-row-when">
          <time dateTime={session.startAt}>{formatWhen(session.startAt, session.endAt)}</time>
        </p>
        <p className="session-row-facts">
          <span className={`status-badge status-${session.status}`}>{STATUS_TEXT[session.status]}</span>
          <span>{rosterText(session.rosterCount)}</span>
          <span>{session.yourRole === 'owner' ? 'You own it' : 'You co-teach it'}</span>
        </p>
      </div>
      <div className="session-row-actions">
        <Link className="button primary" to={`/sessions/${session.id}`}>
          Open dashboard<span className="sr-only"> for {session.title}</span>
        </Link>
        <Link className="button secondary" to={`/projector/${session.id}`} target="_blank" rel="noopener">
          Projector<span className="sr-only"> for {session.title} (opens in a new tab)</span>
          <span aria-hidden="true">&nbsp;↗</span>
        </Link>
        {session.status !== 'ended' && (
          <Link className="button secondary" to={`/sessions/${session.id}/edit`}>
            Edit<span className="sr-only"> {session.title}</span>
          </Link>
        )}
      </div>
    </li>
  );
}

function Group({
  title,
  sessions,
  empty,
  limit,
}: {
  title: string;
  sessions: readonly Session[];
  empty: string;
  limit?: number;
}) {
  const [all, setAll] = useState(false);
  const headingId = `group-${title.toLowerCase()}`;
  const shown = limit !== undefined && !all ? sessions.slice(0, limit) : sessions;
  return (
    <section className="session-group" aria-labelledby={headingId}>
      <h2 id={headingId}>{title}</h2>
      {sessions.length === 0 ? (
        <p className="hint">{empty}</p>
      ) : (
        <ul className="session-rows">
          {shown.map((session) => (
            <SessionRow key={session.id} session={session} />
          ))}
        </ul>
      )}
      {shown.length < sessions.length && (
        <button type="button" className="secondary" onClick={() => setAll(true)}>
          Show all {sessions.length} ended sessions
        </button>
      )}
    </section>
  );
}

/** A notice passed by the page that sent people here (e.g. after a delete). */
function noticeFrom(state: unknown): string | undefined {
  if (typeof state !== 'object' || state === null) return undefined;
  const { notice } = state as Record<string, unknown>;
  return typeof notice === 'string' ? notice : undefined;
}

/** The sessions list; students are told it is for teachers. */
export function SessionsPage() {
  const me = useMe();
  const location = useLocation();
  const teacher = me.data?.role === 'teacher' || me.data?.role === 'admin';
  const sessions = useSessions(teacher ? 30_000 : false);
  const notice = noticeFrom(location.state);

  if (!teacher) {
    return (
      <PageMessage title="This page is for teachers">
        <p>Teachers create and run their sessions here. Your own sessions are on the start page.</p>
        <Link to="/">Go to the start page</Link>
      </PageMessage>
    );
  }
  const groups = sessions.data ? groupSessions(sessions.data.sessions) : undefined;
  return (
    <main className="page sessions-page">
      <p className="eyebrow">
        <Link to="/">QR Chain Attendance</Link>
        {me.data?.role === 'admin' && (
          <>
            {' · '}
            <Link to="/admin">Teachers</Link>
          </>
        )}
      </p>
      <h1>Your sessions</h1>
      <p role="status" className={notice ? 'notice notice-good' : 'sr-only'}>
        {notice}
      </p>
      <Link className="button primary huge" to="/sessions/new">
        New session
      </Link>
      {sessions.isPending && <Busy label="Loading your sessions…" />}
      <ErrorNotice error={sessions.error} />
      {groups && (
        <>
          <Group title="Active" sessions={groups.active} empty="No session is running now." />
          <Group title="Upcoming" sessions={groups.upcoming} empty="No session is scheduled." />
          <Group title="Ended" sessions={groups.ended} empty="No session has ended yet." limit={ENDED_SHOWN} />
        </>
      )}
    </main>
  );
}
