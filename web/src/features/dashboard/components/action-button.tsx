/** A button for a server action: says "Working…" at once while it runs, and keeps focus (aria-disabled). */
import type { ReactNode } from 'react';

export interface ActionButtonProps {
  readonly busy: boolean;
  readonly busyLabel?: string;
  readonly onClick: () => void;
  readonly className?: string;
  readonly children: ReactNode;
}

/** Throws nothing; clicks while busy are ignored. */
export function ActionButton({
  busy,
  busyLabel = 'Working…',
  onClick,
  className = 'secondary',
  children,
}: ActionButtonProps) {
  return (
    <button type="button" className={className} aria-disabled={busy} onClick={() => !busy && onClick()}>
      {busy ? busyLabel : children}
    </button>
  );
}
