/**
 * The evidence behind one flag of one roster row, next to its badge: what the flag means and what was seen, each
 * with its time. One box for the whole table (a native popover: Escape or a click elsewhere closes it), filled
 * from the live row, so it stays current while open. Browsers without popovers show it as a box with Close.
 */
import type { AttendanceRow } from '@qrca/contract';
import { useCallback, useEffect, useId, useRef, type CSSProperties } from 'react';
import { flagEvidence, flagText, formatTime } from '../lib/labels';

/** Whether this browser has native popovers (light dismiss, Escape, focus order from the badge). */
export const NATIVE_POPOVER = typeof HTMLElement !== 'undefined' && 'popover' in HTMLElement.prototype;

const WIDTH_PX = 352;
const GAP_PX = 4;
const MARGIN_PX = 8;

/** Where the box goes: under the badge, or above it when the badge sits low in the window. Throws nothing. */
export function placeNear(anchor: HTMLElement): CSSProperties {
  const rect = anchor.getBoundingClientRect();
  const width = Math.min(WIDTH_PX, window.innerWidth - 2 * MARGIN_PX);
  const left = Math.max(MARGIN_PX, Math.min(rect.left, window.innerWidth - width - MARGIN_PX));
  const above = rect.bottom > window.innerHeight * 0.6;
  return above
    ? { width, left, bottom: window.innerHeight - rect.top + GAP_PX }
    : { width, left, top: rect.bottom + GAP_PX };
}

/** The flag shown: whose, which, and where. */
export interface FlagTarget {
  readonly studentId: string;
  readonly flag: string;
  readonly place: CSSProperties;
}

export interface FlagEvidenceProps {
  /** The box's id: each badge's `popoverTarget`. */
  readonly id: string;
  readonly target: FlagTarget | undefined;
  /** The target's row as it is now (undefined when it left the view). */
  readonly row: AttendanceRow | undefined;
  /** Shown (without native popovers: whether to show it). */
  readonly open: boolean;
  readonly onOpenChange: (open: boolean) => void;
}

/** Throws nothing. */
export function FlagEvidence({ id, target, row, open, onOpenChange }: FlagEvidenceProps) {
  const box = useRef<HTMLDivElement>(null);
  const titleId = useId();

  const rowGone = row === undefined;

  const close = useCallback(() => {
    if (NATIVE_POPOVER) box.current?.hidePopover();
    else onOpenChange(false);
  }, [onOpenChange]);

  // A fixed box would drift away from its badge: scrolling the page or the table closes it, and so does its row
  // leaving the view (a search or a filter).
  useEffect(() => {
    if (!open) return;
    if (rowGone) {
      close();
      return;
    }
    const onScroll = (event: Event) => {
      if (event.target instanceof Node && box.current?.contains(event.target)) return;
      close();
    };
    window.addEventListener('scroll', onScroll, { capture: true, passive: true });
    return () => window.removeEventListener('scroll', onScroll, { capture: true });
  }, [open, rowGone, close]);

  const text = target ? flagText(target.flag) : undefined;
  const lines = target && row ? flagEvidence(row, target.flag) : [];
  const name = row ? (row.name ?? row.email) : '';
  return (
    <div
      ref={box}
      id={id}
      className="dash-evidence"
      role="dialog"
      aria-labelledby={titleId}
      style={target?.place}
      popover={NATIVE_POPOVER ? 'auto' : undefined}
      hidden={NATIVE_POPOVER ? undefined : !open}
      onToggle={(event) => onOpenChange(event.newState === 'open')}
    >
      {text && row && (
        <>
          <p id={titleId} className="dash-evidence-title">
            <strong>{text.label}</strong> · {name}
          </p>
          {text.explanation && <p>{text.explanation}</p>}
          {lines.length > 0 ? (
            <ul>
              {lines.map((line, index) => (
                <li key={`${line.at}-${index}`}>
                  <time dateTime={line.at}>{formatTime(line.at, true)}</time> {line.text}
                </li>
              ))}
            </ul>
          ) : (
            <p className="dash-hint">No details were recorded for this flag.</p>
          )}
          <button type="button" className="secondary dash-small" onClick={close}>
            Close
          </button>
        </>
      )}
    </div>
  );
}
