/** Shared feedback: an error in human words (announced), a busy line, a full-page message. */
import type { ReactNode } from 'react';
import { ApiError } from '../lib/api-client';
import { errorMessages } from '../lib/error-messages';

/** The message people see for anything thrown. */
export function humanError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return errorMessages.INTERNAL;
}

export function ErrorNotice({ error, children }: { error: unknown; children?: ReactNode }) {
  if (!error) return null;
  return (
    <div role="alert" className="notice notice-error">
      <p>{humanError(error)}</p>
      {children}
    </div>
  );
}

export function Busy({ label }: { label: string }) {
  return (
    <p className="busy" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </p>
  );
}

export function PageMessage({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <main className="page">
      <h1>{title}</h1>
      {children}
    </main>
  );
}
