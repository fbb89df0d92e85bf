/**
 * The dashboard's real time: one connection (view `dashboard`), deltas written into the query cache without
 * refetching, a snapshot after every (re)connect, polling while it is down. Rows and chains arrive in bursts
 * (50 a second in a big class), so they are collected and applied together at most every 100 ms: one cache
 * write and one render per batch, one Map write per row.
 */
import type { AttendanceCounts, AttendanceRow, Chain, Session, StallReason } from '@qrca/contract';
import { notifyManager, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useRealtime, type RealtimeHandlers, type RealtimeState } from '../../../lib/realtime';
import { sessionKey } from '../../student/api/session';
import { attendanceKey } from '../api/attendance';
import { mergeChains } from '../api/chains';
import { applyAttendanceChanges, type AttendanceState } from '../lib/attendance-state';
import { isNewer, type Stall } from '../lib/chains';

/** Deltas are applied at most this often. */
export const BATCH_MS = 100;
/** While real time is down, lists are fetched this often. */
export const POLL_MS = 5_000;

interface Pending {
  rows: Map<string, AttendanceRow>;
  chains: Map<string, Chain>;
  counts: AttendanceCounts | undefined;
}

const empty = (): Pending => ({ rows: new Map(), chains: new Map(), counts: undefined });

/** A stall the teacher should hear about (announced politely). */
export interface StallNotice {
  readonly chain: Chain;
  readonly reason: StallReason;
  /** Increases with each notice, so the same words twice are announced twice. */
  readonly serial: number;
}

export interface LiveDashboard {
  readonly realtime: RealtimeState;
  /** Poll interval for the lists: false while real time is connected. */
  readonly pollMs: number | false;
  /** The last stall seen per chain. */
  readonly stalls: ReadonlyMap<string, Stall>;
  readonly lastStall: StallNotice | undefined;
}

/** Connects the dashboard of `sessionId` while mounted. */
export function useLiveDashboard(sessionId: string): LiveDashboard {
  const client = useQueryClient();
  const pending = useRef<Pending>(empty());
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const [stalls, setStalls] = useState<ReadonlyMap<string, Stall>>(new Map());
  const [lastStall, setLastStall] = useState<StallNotice>();

  const flush = useCallback(() => {
    timer.current = undefined;
    const { rows, chains, counts } = pending.current;
    pending.current = empty();
    // Rows, counts and chains of one batch reach the screen in one render.
    notifyManager.batch(() => {
      if (rows.size > 0 || counts) {
        client.setQueryData<AttendanceState>(attendanceKey(sessionId), (state) =>
          state ? applyAttendanceChanges(state, rows.values(), counts) : state,
        );
      }
      if (chains.size > 0) mergeChains(client, sessionId, chains.values());
    });
  }, [client, sessionId]);

  const schedule = useCallback(() => {
    timer.current ??= setTimeout(flush, BATCH_MS);
  }, [flush]);

  useEffect(
    () => () => {
      clearTimeout(timer.current);
      timer.current = undefined;
      pending.current = empty();
    },
    [sessionId],
  );

  const queueChain = (chain: Chain) => {
    const queued = pending.current.chains.get(chain.chainId);
    if (!queued || isNewer(queued, chain)) pending.current.chains.set(chain.chainId, chain);
    schedule();
  };

  const handlers: RealtimeHandlers = {
    attendanceChanged: ({ row }) => {
      pending.current.rows.set(row.studentId, row);
      schedule();
    },
    countsChanged: ({ counts }) => {
      pending.current.counts = counts;
      schedule();
    },
    chainChanged: ({ chain }) => queueChain(chain),
    chainStalled: ({ chain, reason }) => {
      queueChain(chain);
      setStalls((current) => {
        const seen = current.get(chain.chainId);
        if (seen && seen.seq > chain.seq) return current;
        return new Map(current).set(chain.chainId, { seq: chain.seq, reason, at: Date.now() });
      });
      setLastStall((last) => ({ chain, reason, serial: (last?.serial ?? 0) + 1 }));
    },
    sessionChanged: ({ session: state }) => {
      const before = client.getQueryData<Session>(sessionKey(sessionId));
      client.setQueryData<Session>(sessionKey(sessionId), (session) => (session ? { ...session, ...state } : session));
      // Ending freezes statuses and closing entry closes chains: take the lists afresh once.
      if (before && (before.status !== state.status || before.entryClosesAt !== state.entryClosesAt)) {
        void client.invalidateQueries({ queryKey: ['session', sessionId], predicate: (q) => q.queryKey.length > 2 });
      }
    },
  };

  const realtime = useRealtime(sessionId, 'dashboard', handlers, () => {
    void client.invalidateQueries({ queryKey: ['session', sessionId] });
  });
  const pollMs = realtime === 'connected' ? false : POLL_MS;

  // The session itself (its status and phases) is polled too while real time is down.
  useEffect(() => {
    if (pollMs === false) return;
    const poll = setInterval(() => {
      void client.invalidateQueries({ queryKey: sessionKey(sessionId), exact: true });
    }, pollMs);
    return () => clearInterval(poll);
  }, [client, sessionId, pollMs]);

  return { realtime, pollMs, stalls, lastStall };
}
