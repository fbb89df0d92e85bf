/** The join link (`/join/<id>?code=…`): joins at once (signed in first if needed), then opens the session. */
import { useEffect, useRef } from 'react';
import { Link, Navigate, useParams, useSearchParams } from 'react-router';
import { Busy, ErrorNotice, PageMessage } from '../../../components/notice';
import { useMe } from '../../auth/api/me';
import { useJoin } from '../api/session';

export function JoinPage() {
  const { sessionId = '' } = useParams();
  const [params] = useSearchParams();
  const code = params.get('code') ?? '';
  const me = useMe();
  const join = useJoin(sessionId, me.data?.id);
  const asked = useRef(false);
  const isStudent = me.data?.role === 'student';

  useEffect(() => {
    if (!isStudent || asked.current || !code) return;
    asked.current = true;
    join.mutate(code);
  }, [isStudent, code, join]);

  if (me.data && !isStudent) {
    return (
      <PageMessage title="This is a student link">
        <p>You are signed in as a teacher. Students open this link on their phones to join the class.</p>
        <Link to="/">Go to your sessions</Link>
      </PageMessage>
    );
  }
  if (!code) {
    return (
      <PageMessage title="This join link is incomplete">
        <p>Scan the QR code on the screen again, or ask your teacher for the link.</p>
      </PageMessage>
    );
  }
  if (join.isSuccess) return <Navigate to={`/s/${encodeURIComponent(sessionId)}`} replace />;
  if (join.error) {
    return (
      <PageMessage title="You could not join">
        <ErrorNotice error={join.error}>
          <button type="button" className="secondary" onClick={() => join.mutate(code)}>
            Try again
          </button>
        </ErrorNotice>
      </PageMessage>
    );
  }
  return <Busy label="Joining the class…" />;
}
