/**
 * The app's dialogs: a native modal `<dialog>` mounted while open (so its fields start fresh each time): focus goes
 * to its first field (or the given element), the page behind is inert, Escape closes it unless an action is
 * running, and focus returns to the control that opened it. Render it only while open: `{open && <Modal …/>}`.
 */
import { useId, useLayoutEffect, useRef, type ReactNode, type RefObject } from 'react';
import { ErrorNotice } from './notice';
import './modal.css';

const FOCUSABLE = 'input, select, textarea, button:not([aria-disabled="true"])';

export interface ModalProps {
  /** The dialog's heading and accessible name. */
  readonly title: string;
  /**
   * Called for Escape and Cancel (not while `busy`), and when the browser closes the dialog itself (it may, for a
   * repeated Escape): the dialog is gone then, so unmount it.
   */
  readonly onClose: () => void;
  readonly busy?: boolean;
  /** What gets focus first; else the first field or button. */
  readonly initialFocus?: RefObject<HTMLElement | null>;
  readonly describedBy?: string;
  readonly children: ReactNode;
}

/** A modal dialog, shown while mounted. Throws nothing. */
export function Modal({ title, onClose, busy = false, initialFocus, describedBy, children }: ModalProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const latest = useRef({ onClose, busy });
  latest.current = { onClose, busy };
  const unmounting = useRef(false);

  useLayoutEffect(() => {
    const element = dialog.current;
    if (!element) return;
    unmounting.current = false;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!element.open) element.showModal();
    (initialFocus?.current ?? element.querySelector<HTMLElement>(FOCUSABLE))?.focus();
    return () => {
      unmounting.current = true;
      if (element.open) element.close();
      // Back to the control that opened it, when it is still there (a page may then move focus elsewhere).
      if (opener?.isConnected) opener.focus();
    };
    // Opened once per mount; `initialFocus` is read then.
  }, []);

  return (
    <dialog
      ref={dialog}
      className="modal"
      aria-labelledby={titleId}
      aria-describedby={describedBy}
      onCancel={(event) => {
        event.preventDefault();
        if (!latest.current.busy) latest.current.onClose();
      }}
      onClose={(event) => {
        // Not our own close on unmount (nor a stale one from a remount, when the dialog is open again).
        if (!unmounting.current && !event.currentTarget.open) latest.current.onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}

export interface ConfirmModalProps {
  readonly title: string;
  /** What happens if the user confirms (the dialog's description). */
  readonly children: ReactNode;
  readonly confirmLabel: string;
  readonly busy: boolean;
  readonly busyLabel?: string;
  readonly error?: unknown;
  /** The confirm button's look: `danger` for what cannot be undone. */
  readonly tone?: 'primary' | 'danger';
  readonly onConfirm: () => void;
  readonly onClose: () => void;
}

/** "Are you sure?" with Cancel (focused first) and the action; errors shown inside, the dialog stays. */
export function ConfirmModal({
  title,
  children,
  confirmLabel,
  busy,
  busyLabel = 'Working…',
  error,
  tone = 'primary',
  onConfirm,
  onClose,
}: ConfirmModalProps) {
  const bodyId = useId();
  const cancel = useRef<HTMLButtonElement>(null);
  return (
    <Modal title={title} onClose={onClose} busy={busy} initialFocus={cancel} describedBy={bodyId}>
      <div id={bodyId}>{children}</div>
      <ErrorNotice error={error} />
      <div className="modal-actions">
        <button
          ref={cancel}
          type="button"
          className="secondary"
          aria-disabled={busy}
          onClick={() => !busy && onClose()}
        >
          Cancel
        </button>
        <button type="button" className={tone} aria-disabled={busy} onClick={() => !busy && onConfirm()}>
          {busy ? busyLabel : confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
