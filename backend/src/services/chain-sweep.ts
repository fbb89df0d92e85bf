/**
 * Chain upkeep by the system (the session clock): chains without a hand-off for the stall time, or whose holder
 * went offline (or, under an enforced network list, was seen outside it), are marked stalled and (auto-reseed) passed to another eligible online student, or closed when
 * there is none; chains of a phase that is over close; at the session's end every open chain closes.
 */
import type { AuditEvent } from '@qrca/contract';
import { closeChain } from '../domain/chain-moves';
import { mayHoldFrom } from '../domain/eligibility';
import { chainOpening, isOpen } from '../domain/phases';
import type { ChainRecord, SessionRecord } from '../domain/records';
import type { Clock } from '../ports/clock';
import { StoreConflictError } from '../ports/table-store';
import { replace, type Announcement } from '../repositories/session-changes';
import type { SessionRepository } from '../repositories/session.repository';
import type { Versioned } from '../repositories/versioned';
import type { ChainConfig } from '../config';
import type { AuditLog } from './audit-log';
import { reseed } from './chain.service';
import type { PresenceService } from './presence.service';
import type { SessionWriter } from './session-writer';

export interface ChainSweepDependencies {
  readonly repository: SessionRepository;
  readonly writer: SessionWriter;
  readonly presence: PresenceService;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly random: () => number;
  readonly config: ChainConfig;
}

/** A stall the sweep found: what teachers hear at once, and its audit event. */
interface Stall {
  readonly announce: readonly Announcement[];
  readonly event: AuditEvent;
}

export class ChainSweeper {
  constructor(private readonly deps: ChainSweepDependencies) {}

  /** Timer work for one active session (see the module comment). A hand-off that wins a race is left alone. */
  async sweep(session: SessionRecord): Promise<void> {
    const { repository, writer, presence, audit, clock, config } = this.deps;
    const now = clock.now();
    const chains = (await repository.listChains(session.id)).filter((c) => c.value.state !== 'closed');
    for (const chain of chains) {
      const phaseOver = !isOpen(session, chainOpening(chain.value.phase), now);
      const idle = now - Date.parse(chain.value.lastHandoffAt) >= config.stallSeconds * 1000;
      const seen = await presence.lastSeen(session.id, chain.value.holderId);
      const offline = seen === undefined;
      // Under an enforced network list a holder seen outside it passes nothing on (ChainService): a stall too.
      const offNetwork = seen?.ip !== undefined && !mayHoldFrom(session.constraints.networks, seen.ip);
      if (!phaseOver && !idle && !offline && !offNetwork) continue;
      // Teachers hear of a stall (with its reason) whatever the sweep then does with the chain.
      const reason = offline ? 'holder_offline' : offNetwork ? 'holder_off_network' : 'idle';
      const stall: Stall = {
        announce: [{ event: 'chainStalled', chainId: chain.value.chainId, reason }],
        // Audited with what it leads to (insights count stalls by reason).
        event: audit.teacherAction('system', now, `chain_stalled_${reason}`, {
          chainId: chain.value.chainId,
          targetId: chain.value.holderId,
        }),
      };
      try {
        if (phaseOver) await this.closeBySystem(session.id, chain, now, 'phase_over');
        else if (config.autoReseed) await this.reseed(session, chain, now, stall);
        else if (chain.value.state === 'active') {
          await writer.commit({
            sessionId: session.id,
            chains: [replace(chain, { ...chain.value, state: 'stalled' })],
            events: [stall.event],
            announce: stall.announce,
          });
        }
      } catch (error) {
        // A hand-off won the race: the chain is alive; look again next time.
        if (!(error instanceof StoreConflictError)) throw error;
      }
    }
  }

  /** Closes every open chain (session end); holders keep awaiting verification. */
  async closeAll(sessionId: string): Promise<void> {
    const now = this.deps.clock.now();
    for (const chain of await this.deps.repository.listChains(sessionId)) {
      if (chain.value.state === 'closed') continue;
      await this.closeBySystem(sessionId, chain, now, 'session_ended').catch((error: unknown) => {
        if (!(error instanceof StoreConflictError)) throw error;
      });
    }
  }

  /** Passes a stalled chain to a random eligible online student, or closes it when there is none. */
  private async reseed(
    session: SessionRecord,
    chain: Versioned<ChainRecord>,
    now: number,
    stall: Stall,
  ): Promise<void> {
    const { repository, writer, presence, audit, random } = this.deps;
    const sessionId = session.id;
    const rows = await repository.listAttendance(sessionId);
    const reseeded = await reseed(session, rows, chain, presence, random, now);
    if (!reseeded) {
      await this.closeBySystem(sessionId, chain, now, 'no_candidates', stall);
      return;
    }
    await writer.commit({
      sessionId,
      ...reseeded.writes,
      events: [
        stall.event,
        audit.teacherAction('system', now, 'chain_reseeded', {
          chainId: chain.value.chainId,
          targetId: reseeded.taker.studentId,
        }),
      ],
      announce: stall.announce,
    });
  }

  /** Closes a chain without verifying its holder (who keeps awaiting verification). */
  private async closeBySystem(
    sessionId: string,
    chain: Versioned<ChainRecord>,
    now: number,
    why: string,
    stall?: Stall,
  ) {
    const { repository, writer, audit } = this.deps;
    const holder = await repository.getAttendance(sessionId, chain.value.holderId);
    const close = closeChain(chain.value, holder?.value, 'system', now);
    await writer.commit({
      sessionId,
      chains: [replace(chain, close.chain)],
      attendance: holder && close.holder ? [replace(holder, close.holder)] : [],
      events: [
        ...(stall ? [stall.event] : []),
        audit.teacherAction('system', now, `chain_closed_${why}`, {
          chainId: chain.value.chainId,
          targetId: chain.value.holderId,
        }),
      ],
      announce: stall?.announce ?? [],
    });
  }
}
