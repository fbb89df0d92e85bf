/**
 * A modal question (a native `<dialog>`): focus starts on Cancel, Escape cancels, the page behind is inert,
 * and focus returns to the control that opened it. Busy while the action runs; its error shown inside.
 */
import { useEffect, useId, useRef, type ReactNode } from 'react';
import { ErrorNotice } from './notice';
import './confirm-dialog.css';

export interface ConfirmDialogProps {
  readonly open: boolean;
  /** The question, as the dialog's heading and accessible name. */
  readonly title: string;
  readonly children?: ReactNode;
  /** The confirm button's label ("Delete for good"), and its label while busy ("Deleting…"). */
  readonly confirmLabel: string;
  readonly busyLabel: string;
  readonly busy: boolean;
  readonly error?: unknown;
  readonly onConfirm: () => void;
  /** Called for Cancel, Escape, and a dialog closed by the browser. */
  readonly onCancel: () => void;
}

/** A confirmation dialog for a destructive action. Throws nothing. */
export function ConfirmDialog({
  open,
  title,
  children,
  confirmLabel,
  busyLabel,
  busy,
  error,
  onConfirm,
  onCancel,
}: ConfirmDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const bodyId = useId();

  const opener = useRef<Element | null>(null);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      opener.current = document.activeElement;
      element.showModal();
      cancel.current?.focus();
    } else if (!open && element.open) {
      element.close();
      // Back to the control that opened it, when it is still there (a page may then move focus elsewhere).
      if (opener.current instanceof HTMLElement && opener.current.isConnected) opener.current.focus();
    }
  }, [open]);

  return (
    <dialog
      ref={dialog}
      className="confirm-dialog"
      aria-labelledby={open ? titleId : undefined}
      aria-describedby={open && children ? bodyId : undefined}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onCancel();
      }}
      onClose={() => {
        if (open) onCancel();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children && <div id={bodyId}>{children}</div>}
      <ErrorNotice error={error} />
      <div className="dialog-actions">
        <button
          ref={cancel}
          type="button"
          className="secondary"
          aria-disabled={busy}
          onClick={() => {
            if (!busy) onCancel();
          }}
        >
          Cancel
        </button>
        <button
          type="button"
          className="danger"
          aria-disabled={busy}
          onClick={() => {
            if (!busy) onConfirm();
          }}
        >
          {busy ? busyLabel : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
