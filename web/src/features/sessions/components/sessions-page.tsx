/** A teacher's sessions: upcoming, active and ended, and "New session". (Being built: issue 12.) */
export function SessionsPage() {
  return (
    <main className="page">
      <h1>Your sessions</h1>
    </main>
  );
}
