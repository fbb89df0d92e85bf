/** The fallback for projector codes: type the 6 characters shown under the QR on the screen. */
import { useId, useState, type FormEvent } from 'react';

export function TypedCodeForm({ onSubmit, busy }: { onSubmit: (code: string) => void; busy: boolean }) {
  const [code, setCode] = useState('');
  const id = useId();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit(code.trim().toUpperCase());
    setCode('');
  };
  return (
    <form onSubmit={submit} className="stack typed-code">
      <label htmlFor={id}>Code from the screen</label>
      <input
        id={id}
        autoComplete="off"
        autoCapitalize="characters"
        spellCheck={false}
        maxLength={6}
        pattern="[A-Za-z0-9]{6}"
        required
        value={code}
        onChange={(e) => setCode(e.target.value.replace(/[^A-Za-z0-9]/g, ''))}
      />
      <button type="submit" className="secondary" disabled={busy || code.length !== 6}>
        Send the code
      </button>
    </form>
  );
}
