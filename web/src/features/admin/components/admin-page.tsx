/** Admin: the teacher allow-list (`/admin`). (Being built: issue 12.) */
export function AdminPage() {
  return (
    <main className="page">
      <h1>Teachers</h1>
    </main>
  );
}
