/** Shows its children to signed-in users; sends everyone else to sign in and back here afterwards. */
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { Busy, ErrorNotice, PageMessage } from '../../../components/notice';
import { useMe } from '../api/me';

export function RequireAuth({ children }: { children: ReactNode }) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Busy label="Loading…" />;
  if (me.error) {
    return (
      <PageMessage title="We could not check who you are">
        <ErrorNotice error={me.error} />
      </PageMessage>
    );
  }
  if (!me.data) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}
