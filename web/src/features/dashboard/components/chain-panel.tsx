/**
 * The chain panel: each open chain with its holder, length, the age of its last hand-off (ticking) and a
 * "Stalled" badge; reseed, hand to a student, close; starting K (or auto) chains; stalls announced politely.
 */
import type { AttendanceRow, Chain, ChainPhase, Session } from '@qrca/contract';
import { memo, useId, useMemo, useState, type FormEvent } from 'react';
import { ConfirmModal } from '../../../components/modal';
import { ErrorNotice } from '../../../components/notice';
import { useChainActions, useStartChains } from '../api/chains';
import type { StallNotice } from '../hooks/use-live-dashboard';
import {
  chainName,
  eligibleHolders,
  numberChains,
  passedOnAfterStall,
  STALL_TEXT,
  stallOf,
  type Stall,
} from '../lib/chains';
import { formatAgo } from '../lib/labels';
import { phaseActions } from '../lib/phases';
import { ActionButton } from './action-button';
import { HandDialog } from './hand-dialog';

function StartChainsForm({ sessionId, phases }: { sessionId: string; phases: readonly ChainPhase[] }) {
  const start = useStartChains(sessionId);
  const [count, setCount] = useState('');
  const [phase, setPhase] = useState<ChainPhase>(phases[0] ?? 'entry');
  const countId = useId();
  const hintId = useId();
  const phaseId = useId();
  const chosenPhase = phases.includes(phase) ? phase : (phases[0] ?? 'entry');
  const parsed = count.trim() === '' ? 'auto' : Number(count);
  const invalid = parsed !== 'auto' && (!Number.isInteger(parsed) || parsed < 1 || parsed > 100);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (start.isPending || invalid) return;
    start.mutate({ phase: chosenPhase, count: parsed });
  };

  return (
    <form className="dash-form dash-start" onSubmit={submit} aria-labelledby={`${countId}-legend`}>
      <h3 id={`${countId}-legend`}>Start chains</h3>
      {phases.length > 1 && (
        <>
          <label htmlFor={phaseId}>Phase</label>
          <select id={phaseId} value={chosenPhase} onChange={(event) => setPhase(event.target.value as ChainPhase)}>
            <option value="entry">Entry</option>
            <option value="exit">Exit</option>
          </select>
        </>
      )}
      <label htmlFor={countId}>Number of chains</label>
      <input
        id={countId}
        type="number"
        inputMode="numeric"
        min={1}
        max={100}
        placeholder="auto"
        value={count}
        aria-describedby={hintId}
        aria-invalid={invalid}
        onChange={(event) => setCount(event.target.value)}
      />
      <p id={hintId} className="dash-hint">
        {invalid
          ? 'A whole number from 1 to 100, or leave it empty for auto.'
          : 'Leave it empty for auto: enough chains for the class to check in in about 2 minutes.'}
      </p>
      <button type="submit" className="primary" aria-disabled={start.isPending || invalid}>
        {start.isPending ? 'Working…' : 'Start chains'}
      </button>
      <ErrorNotice error={start.error} />
      {start.isSuccess && (
        <p role="status" className="dash-hint">
          Started {start.data.chains.length} {start.data.chains.length === 1 ? 'chain' : 'chains'}.
        </p>
      )}
    </form>
  );
}

interface ChainCardProps {
  readonly sessionId: string;
  readonly chain: Chain;
  readonly name: string;
  readonly stall: Stall | undefined;
  readonly phaseOpen: boolean;
  readonly now: number;
  readonly candidates: () => AttendanceRow[];
}

const ChainCard = memo(function ChainCard({
  sessionId,
  chain,
  name,
  stall,
  phaseOpen,
  now,
  candidates,
}: ChainCardProps) {
  const actions = useChainActions(sessionId, chain.chainId);
  const [dialog, setDialog] = useState<'hand' | 'close'>();
  const stalled = stallOf(chain, stall);
  const passedOn = passedOnAfterStall(chain, stall, now);
  const titleId = `chain-${chain.chainId}`;
  const holder = chain.holderName ?? 'someone who left';
  const busy = actions.reseed.isPending || actions.hand.isPending || actions.close.isPending;
  const listed = useMemo(() => (dialog === 'hand' ? candidates() : []), [dialog, candidates]);

  return (
    <li className={`dash-chain${stalled ? ' dash-chain-stalled' : ''}`} aria-labelledby={titleId}>
      <h3 id={titleId}>{name}</h3>
      {stalled && (
        <p className="dash-badge dash-tone-bad">Stalled{stalled === 'stalled' ? '' : `: ${STALL_TEXT[stalled]}`}</p>
      )}
      {passedOn && <p className="dash-badge dash-tone-neutral">Passed on after a stall ({STALL_TEXT[passedOn]})</p>}
      <dl className="dash-chain-facts">
        <div>
          <dt>Holder</dt>
          <dd>{holder}</dd>
        </div>
        <div>
          <dt>Verified</dt>
          <dd>{chain.length}</dd>
        </div>
        <div>
          <dt>Last hand-off</dt>
          <dd>
            <time dateTime={chain.lastHandoffAt}>{formatAgo(chain.lastHandoffAt, now)}</time>
          </dd>
        </div>
      </dl>
      <div className="dash-actions">
        {phaseOpen && (
          <ActionButton
            busy={actions.reseed.isPending}
            onClick={() => {
              actions.hand.reset();
              actions.close.reset();
              actions.reseed.mutate();
            }}
          >
            Reseed<span className="dash-sr-only"> {name}</span>
          </ActionButton>
        )}
        {phaseOpen && (
          <button
            type="button"
            className="secondary"
            aria-disabled={busy}
            onClick={() => {
              if (busy) return;
              actions.hand.reset();
              setDialog('hand');
            }}
          >
            Hand to…<span className="dash-sr-only"> ({name})</span>
          </button>
        )}
        <button
          type="button"
          className="secondary"
          aria-disabled={busy}
          onClick={() => {
            if (busy) return;
            actions.close.reset();
            setDialog('close');
          }}
        >
          Close chain<span className="dash-sr-only"> {name}</span>
        </button>
      </div>
      {!dialog && <ErrorNotice error={actions.reseed.error ?? actions.hand.error ?? actions.close.error} />}
      {dialog === 'hand' && (
        <HandDialog
          chainName={name}
          candidates={listed}
          busy={actions.hand.isPending}
          error={actions.hand.error}
          onHand={(studentId) => actions.hand.mutate(studentId, { onSuccess: () => setDialog(undefined) })}
          onClose={() => setDialog(undefined)}
        />
      )}
      {dialog === 'close' && (
        <ConfirmModal
          title={`Close ${name}?`}
          confirmLabel="Yes, close it"
          busy={actions.close.isPending}
          error={actions.close.error}
          onConfirm={() => actions.close.mutate(undefined, { onSuccess: () => setDialog(undefined) })}
          onClose={() => setDialog(undefined)}
        >
          <p>
            The chain ends, and its last holder, {holder}, is marked verified by you (teacher close) if they are not
            verified yet.
          </p>
        </ConfirmModal>
      )}
    </li>
  );
});

export interface ChainPanelProps {
  readonly session: Session;
  readonly chains: readonly Chain[] | undefined;
  readonly chainsError: unknown;
  readonly rows: () => AttendanceRow[];
  readonly stalls: ReadonlyMap<string, Stall>;
  readonly lastStall: StallNotice | undefined;
  readonly now: number;
}

/** Throws nothing. */
export function ChainPanel({ session, chains, chainsError, rows, stalls, lastStall, now }: ChainPanelProps) {
  const can = phaseActions(session, now);
  const numbered = useMemo(() => numberChains(chains ?? []), [chains]);
  const names = useMemo(
    () => new Map(numbered.map(({ chain, number }) => [chain.chainId, chainName(chain, number)])),
    [numbered],
  );
  const open = numbered.filter(({ chain }) => chain.state !== 'closed');
  const closed = numbered.filter(({ chain }) => chain.state === 'closed');
  const phases: ChainPhase[] = [
    ...(can.entryOpen ? ['entry' as const] : []),
    ...(can.exitWindowOpen ? ['exit' as const] : []),
  ];
  const candidatesFor = useMemo(() => {
    const cache = new Map<ChainPhase, () => AttendanceRow[]>();
    for (const phase of ['entry', 'exit'] as const) {
      cache.set(phase, () => eligibleHolders(rows(), chains ?? [], phase));
    }
    return cache;
  }, [rows, chains]);
  const stallNotice = lastStall
    ? `${names.get(lastStall.chain.chainId) ?? 'A chain'} stalled: ${STALL_TEXT[lastStall.reason]}.`
    : '';

  return (
    <section className="dash-card dash-chains" aria-labelledby="chains-title">
      <h2 id="chains-title">Chains</h2>
      <p className="dash-sr-only" aria-live="polite">
        {/* The serial makes a repeated notice new text, so it is read again. */}
        {stallNotice && <span key={lastStall?.serial}>{stallNotice}</span>}
      </p>
      <ErrorNotice error={chainsError} />
      {chains && open.length === 0 && (
        <p className="dash-hint">
          {session.status === 'ended' ? 'The session has ended: no chain runs.' : 'No chain is running.'}
        </p>
      )}
      {open.length > 0 && (
        <ul className="dash-chain-list">
          {open.map(({ chain }) => (
            <ChainCard
              key={chain.chainId}
              sessionId={session.id}
              chain={chain}
              name={names.get(chain.chainId) ?? 'Chain'}
              stall={stalls.get(chain.chainId)}
              phaseOpen={chain.phase === 'entry' ? can.entryOpen : can.exitWindowOpen}
              now={now}
              candidates={candidatesFor.get(chain.phase) as () => AttendanceRow[]}
            />
          ))}
        </ul>
      )}
      {phases.length > 0 && <StartChainsForm sessionId={session.id} phases={phases} />}
      {closed.length > 0 && (
        <details className="dash-closed-chains">
          <summary>Closed chains ({closed.length})</summary>
          <ul>
            {closed.map(({ chain }) => (
              <li key={chain.chainId}>
                {names.get(chain.chainId)}: {chain.length} verified, last holder {chain.holderName ?? 'unknown'}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
