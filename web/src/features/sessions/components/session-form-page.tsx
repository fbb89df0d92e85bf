/** Create (`/sessions/new`) or edit (`/sessions/:sessionId/edit`) a session; teachers only. */
import type { Session } from '@qrca/contract';
import { Link, useLocation, useParams } from 'react-router';
import { Busy, ErrorNotice, PageMessage } from '../../../components/notice';
import { useMe } from '../../auth/api/me';
import { useSession } from '../../student/api/session';
import { noticeFrom, SessionForm } from './session-form';
import '../sessions.css';

function EditSession({ sessionId, yourEmail }: { sessionId: string; yourEmail: string }) {
  const session = useSession(sessionId);
  const location = useLocation();
  const notice = noticeFrom(location.state);
  if (session.data === undefined) {
    if (session.isPending) return <Busy label="Loading the session…" />;
    return (
      <PageMessage title="This session cannot be changed">
        <ErrorNotice error={session.error} />
        <Link to="/sessions">Back to your sessions</Link>
      </PageMessage>
    );
  }
  if (session.data.yourRole === 'student') {
    return (
      <PageMessage title="This session cannot be changed">
        <p>Only the session’s teachers can change it.</p>
        <Link to="/">Go to the start page</Link>
      </PageMessage>
    );
  }
  const current: Session = session.data;
  if (current.status === 'ended') {
    return (
      <PageMessage title="This session has ended">
        <p>An ended session can no longer change. Its attendance can still be corrected from its dashboard.</p>
        <Link to={`/sessions/${current.id}`}>Open the dashboard</Link>
      </PageMessage>
    );
  }
  return (
    <main className="page session-form-page">
      <p className="eyebrow">
        <Link to="/sessions">Your sessions</Link>
      </p>
      <h1>Edit “{current.title}”</h1>
      {notice && (
        <p role="alert" className="notice notice-bad">
          {notice}
        </p>
      )}
      <SessionForm key={current.id} session={current} yourEmail={yourEmail} />
    </main>
  );
}

/** The page: the form for teachers, a polite word for anyone else. */
export function SessionFormPage() {
  const { sessionId } = useParams();
  const me = useMe();
  if (me.data?.role !== 'teacher' && me.data?.role !== 'admin') {
    return (
      <PageMessage title="This page is for teachers">
        <p>Teachers create and change their sessions here.</p>
        <Link to="/">Go to the start page</Link>
      </PageMessage>
    );
  }
  if (sessionId) return <EditSession sessionId={sessionId} yourEmail={me.data.email} />;
  return (
    <main className="page session-form-page">
      <p className="eyebrow">
        <Link to="/sessions">Your sessions</Link>
      </p>
      <h1>New session</h1>
      <SessionForm yourEmail={me.data.email} />
    </main>
  );
}
