/** Create (`/sessions/new`) or edit (`/sessions/:sessionId/edit`) a session. (Being built: issue 12.) */
export function SessionFormPage() {
  return (
    <main className="page">
      <h1>Session</h1>
    </main>
  );
}
