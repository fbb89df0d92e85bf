/** Home: what the product is, and a signed-in person's sessions (teachers open the projector from here). */
import { routes, type Session, type StudentSession } from '@qrca/contract';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { Busy, ErrorNotice } from '../../../components/notice';
import { call } from '../../../lib/api-client';
import { useMe } from '../../auth/api/me';
import { useSignOut } from '../../auth/api/sign-in';

const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });

function SessionList() {
  const sessions = useQuery({ queryKey: ['sessions'], queryFn: () => call(routes.sessionsList) });
  if (sessions.isPending) return <Busy label="Loading your sessions…" />;
  if (sessions.error) return <ErrorNotice error={sessions.error} />;
  if (sessions.data.sessions.length === 0) return <p>No sessions yet.</p>;
  return (
    <ul className="session-list">
      {sessions.data.sessions.map((session: Session | StudentSession) => (
        <li key={session.id}>
          <span className="session-title">{session.title}</span>
          <span className="session-when">
            {when(session.startAt)} · {session.status}
          </span>
          {session.yourRole === 'student' ? (
            <Link className="button secondary" to={`/s/${session.id}`}>
              Open
            </Link>
          ) : (
            <Link className="button secondary" to={`/projector/${session.id}`}>
              Projector view
            </Link>
          )}
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
          <SessionList />
        </>
      )}
    </main>
  );
}
