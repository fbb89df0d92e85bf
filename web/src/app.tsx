/** The app: routes, each behind its own error boundary; students' and teachers' screens load on demand. */
import { QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Link, RouterProvider, useRouteError } from 'react-router';
import { Busy, humanError, PageMessage } from './components/notice';
import { RequireAuth } from './features/auth/components/require-auth';
import { SignInPage } from './features/auth/components/sign-in-page';
import { HomePage } from './features/home/components/home-page';
import { JoinPage } from './features/student/components/join-page';
import { createQueryClient } from './lib/query-client';

const StudentSessionPage = lazy(async () => ({
  default: (await import('./features/student/components/student-session-page')).StudentSessionPage,
}));
const ProjectorPage = lazy(async () => ({
  default: (await import('./features/projector/components/projector-page')).ProjectorPage,
}));
const SessionsPage = lazy(async () => ({
  default: (await import('./features/sessions/components/sessions-page')).SessionsPage,
}));
const SessionFormPage = lazy(async () => ({
  default: (await import('./features/sessions/components/session-form-page')).SessionFormPage,
}));
const DashboardPage = lazy(async () => ({
  default: (await import('./features/dashboard/components/dashboard-page')).DashboardPage,
}));
const AdminPage = lazy(async () => ({
  default: (await import('./features/admin/components/admin-page')).AdminPage,
}));

function RouteError() {
  const error = useRouteError();
  return (
    <PageMessage title="Something went wrong on this page">
      <p role="alert">{humanError(error)}</p>
      <Link to="/">Back to the start</Link>
    </PageMessage>
  );
}

const signedIn = (page: ReactNode) => (
  <RequireAuth>
    <Suspense fallback={<Busy label="Loading…" />}>{page}</Suspense>
  </RequireAuth>
);

const router = createBrowserRouter([
  { path: '/', element: <HomePage />, errorElement: <RouteError /> },
  { path: '/sign-in', element: <SignInPage />, errorElement: <RouteError /> },
  { path: '/join/:sessionId', element: signedIn(<JoinPage />), errorElement: <RouteError /> },
  { path: '/s/:sessionId', element: signedIn(<StudentSessionPage />), errorElement: <RouteError /> },
  { path: '/projector/:sessionId', element: signedIn(<ProjectorPage />), errorElement: <RouteError /> },
  { path: '/sessions', element: signedIn(<SessionsPage />), errorElement: <RouteError /> },
  { path: '/sessions/new', element: signedIn(<SessionFormPage />), errorElement: <RouteError /> },
  { path: '/sessions/:sessionId/edit', element: signedIn(<SessionFormPage />), errorElement: <RouteError /> },
  { path: '/sessions/:sessionId', element: signedIn(<DashboardPage />), errorElement: <RouteError /> },
  { path: '/admin', element: signedIn(<AdminPage />), errorElement: <RouteError /> },
  {
    path: '*',
    element: (
      <PageMessage title="Page not found">
        <Link to="/">Back to the start</Link>
      </PageMessage>
    ),
  },
]);

const queryClient = createQueryClient();

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
