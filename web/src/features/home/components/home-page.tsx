/** Home: what the product is; teachers go on to their sessions (admins to the teacher list), students see theirs. */
import type { Session, StudentSession } from '@qrca/contract';
import { Link } from 'react-router';
import { Busy, ErrorNotice } from '../../../components/notice';
import { useMe } from '../../auth/api/me';
import { useSignOut } from '../../auth/api/sign-in';
import { useSessions } from '../../sessions/api/sessions-list';

const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

/** A student's joined sessions, each opening the student's screen. */
function JoinedSessions() {
  const sessions = useSessions();
  if (sessions.isPending) return <Busy label="Loading your sessions…" />;
  if (sessions.error) return <ErrorNotice error={sessions.error} />;
  const joined = sessions.data.sessions.filter(
    (session: Session | StudentSession): session is StudentSession => session.yourRole === 'student',
  );
  if (joined.length === 0) return <p>No sessions yet. Scan your class’s join code to join one.</p>;
  return (
    <ul className="session-list">
      {joined.map((session) => (
        <li key={session.id}>
          <span className="session-title">{session.title}</span>
          <span className="session-when">
            {when(session.startAt)} · {session.status}
          </span>
          <Link className="button secondary" to={`/s/${session.id}`}>
            Open
          </Link>
        </li>
      ))}
    </ul>
  );
}

export function HomePage() {
  const me = useMe();
  const signOut = useSignOut();
  return (
    <main className="page">
      <h1>QR Chain Attendance</h1>
      <p className="lead">
        Students vouch for each other in person by passing a rotating QR “baton”. Teachers watch it live and export a
        record they can trust.
      </p>
      {me.isPending && <Busy label="Loading…" />}
      {me.data === null && (
        <Link className="button primary" to="/sign-in">
          Sign in
        </Link>
      )}
      {me.data && (
        <>
          <p>
            Signed in as <strong>{me.data.email}</strong> ({me.data.role}).{' '}
            <button type="button" className="link" onClick={() => signOut.mutate()}>
              Sign out
            </button>
          </p>
          <h2>Your sessions</h2>
          {me.data.role === 'student' ? (
            <JoinedSessions />
          ) : (
            <div className="stack">
              <p>Create sessions, open their live dashboards and the projector screen.</p>
              <Link className="button primary huge" to="/sessions">
                Open your sessions
              </Link>
              {me.data.role === 'admin' && (
                <Link className="button secondary" to="/admin">
                  Teachers
                </Link>
              )}
            </div>
          )}
        </>
      )}
      <footer className="page-footer">
        <a href="/api-reference.html">API reference</a> for developers and scripts
      </footer>
    </main>
  );
}
