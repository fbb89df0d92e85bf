/** The live dashboard of one session (`/sessions/:sessionId`). (Being built: issue 12.) */
export function DashboardPage() {
  return (
    <main className="page">
      <h1>Dashboard</h1>
    </main>
  );
}
