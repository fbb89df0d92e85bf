/**
 * The dashboard's dialogs: a native modal `<dialog>` mounted while open (so its fields start fresh each time):
 * focus goes to its first field (or the given element), the page behind is inert, Escape closes it unless an
 * action is running, and focus returns to the control that opened it.
 */
import { useId, useLayoutEffect, useRef, type ReactNode, type RefObject } from 'react';
import { ErrorNotice } from '../../../components/notice';

const FOCUSABLE = 'input, select, textarea, button:not([aria-disabled="true"])';

export interface ModalProps {
  /** The dialog's heading and accessible name. */
  readonly title: string;
  /** Called for Escape, Cancel and a dialog closed by the browser (not while `busy`). */
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

  useLayoutEffect(() => {
    const element = dialog.current;
    if (!element) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!element.open) element.showModal();
    (initialFocus?.current ?? element.querySelector<HTMLElement>(FOCUSABLE))?.focus();
    return () => {
      if (element.open) element.close();
      if (opener?.isConnected) opener.focus();
    };
    // Opened once per mount; `initialFocus` is read then.
  }, []);

  return (
    <dialog
      ref={dialog}
      className="dash-dialog"
      aria-labelledby={titleId}
      aria-describedby={describedBy}
      onCancel={(event) => {
        event.preventDefault();
        if (!latest.current.busy) latest.current.onClose();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}

export interface ConfirmModalProps {
  readonly title: string;
  /** What happens if the teacher confirms (the dialog's description). */
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
      <div className="dash-dialog-actions">
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
