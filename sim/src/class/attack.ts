/**
 * Cheating scenarios (`--attack KIND --cheaters P`, PRODUCT §5): who cheats, with which friend in the room, and the
 * human delays of the relay, decided up front from the seed; the tally of what the server made of them (from the
 * teacher's attendance rows) and the expected catch rate of a spot check. Pure.
 *
 * The kinds (the behaviour lives in run-class.ts and phone.ts):
 * - `screenshot-relay`: a friend in the room photographs a holder's screen (half the cheaters) or the projector's
 *   late code (the other half) and messages it; the cheater, at home, scans it after a messaging delay,
 *   log-normal with median 17 s and 95 % within 5–60 s (clamped to that range);
 * - `live-relay`: a video call with a friend in the room: the cheater, at home, scans a holder's screen as the
 *   camera shows it 1–3 s late, then holds the baton at home, and the friend scans the cheater's screen over the
 *   call (1–3 s late again) to pass it on; the cheater's phone keeps its heartbeats from home (in both relays the
 *   cheater joined with the join code a friend sent, and a cheater holding a baton gets a photo of it scanned);
 * - `off-network`: the live relay against a session whose network policy lists the campus in `enforce`;
 * - `shared-device`: the friend in the room signs the absent cheater's account in on their own phone (one device
 *   key, one address) and checks them in too;
 * - `proxy-phone`: the friend in the room holds a second phone signed in as the cheater (its own key, on campus
 *   Wi-Fi): nothing a sensor sees differs from a student — the spot check is the defence.
 */
import { DEFAULT_SPOT_CHECK } from '@qrca/contract';
import { logNormal, shuffled, seededRandom, type Uniform } from '../util/random';
import { tally } from '../util/stats';
import type { PlannedStudent } from './plan';

export const ATTACK_KINDS = ['screenshot-relay', 'live-relay', 'shared-device', 'off-network', 'proxy-phone'] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

/** Kinds whose cheater is at home (their phone is not in the hall). */
export const REMOTE_KINDS: ReadonlySet<AttackKind> = new Set(['screenshot-relay', 'live-relay', 'off-network']);

/** A photo sent over a messenger: median and shape of the log-normal, and the range it is clamped to (ms). */
export const PHOTO_DELAY = { medianMs: 17_000, sigma: 0.63, minMs: 5_000, maxMs: 60_000 } as const;
/** A video call's delay from a screen in the room to the eye of the phone at home (ms). */
export const CALL_DELAY = { minMs: 1_000, maxMs: 3_000 } as const;
/** When, after the entry chains start, the friend in the room takes the photo or points the camera (ms). */
const RELAY_START = { minMs: 1_000, maxMs: 15_000 } as const;
/** Spot-check size: the server's default (PRODUCT §5: 5 names). */
export const SPOT_CHECK_NAMES = DEFAULT_SPOT_CHECK;
/** Spot-check weighting (docs/api.md, "Spot checks"): 1 + 4 per distinct flag. */
const SPOT_CHECK_WEIGHT = { base: 1, perFlag: 4 } as const;

export interface PlannedCheater {
  /** The cheater's index in the class plan (an on-time student of the plan, who in truth stays at home). */
  readonly index: number;
  /** The friend in the room (an honest on-time student) who relays, lends a phone or holds a second one. */
  readonly friendIndex: number;
  /** What the friend relays (relay kinds): a holder's chain code, or the projector's late code. */
  readonly via: 'chain' | 'projector';
  /** When the relay starts after the entry chains start. */
  readonly startAfterMs: number;
  /** Photo or call delay of the relay into the cheater's phone. */
  readonly delayMs: number;
  /** Delay of the way back: the friend scans the cheater's screen from a photo or over the call. */
  readonly returnDelayMs: number;
}

export interface AttackPlan {
  readonly kind: AttackKind;
  readonly cheaters: readonly PlannedCheater[];
}

/** A messenger photo's delay: log-normal, clamped to {@link PHOTO_DELAY}'s range. Throws nothing. */
export function photoDelay(random: Uniform): number {
  const drawn = logNormal(random, PHOTO_DELAY.medianMs, PHOTO_DELAY.sigma);
  return Math.round(Math.min(PHOTO_DELAY.maxMs, Math.max(PHOTO_DELAY.minMs, drawn)));
}

/** A video call's delay, uniform in {@link CALL_DELAY}. Throws nothing. */
export function callDelay(random: Uniform): number {
  return Math.round(CALL_DELAY.minMs + random() * (CALL_DELAY.maxMs - CALL_DELAY.minMs));
}

/**
 * round(N × share) cheaters of the class (N: its roster), picked at random among the students planned on time
 * (at most all of them but one, who stays honest to be the friend), each with a friend among the honest on-time
 * students (friends are shared when there are fewer of them), and their relay delays. Throws nothing.
 */
export function planAttack(input: {
  readonly kind: AttackKind;
  readonly share: number;
  readonly students: readonly PlannedStudent[];
  readonly seed: number;
  readonly classIndex: number;
}): AttackPlan {
  const random = seededRandom(input.seed, `attack:${input.kind}:${input.classIndex}`);
  const onTime = shuffled(
    random,
    input.students.filter((s) => s.arrival === 'on_time').map((s) => s.index),
  );
  const count = Math.min(Math.max(0, onTime.length - 1), Math.round(input.students.length * input.share));
  const cheaters = onTime.slice(0, count);
  const friends = onTime.slice(count);
  const relay = input.kind === 'screenshot-relay' ? photoDelay : callDelay;
  return {
    kind: input.kind,
    cheaters: cheaters.map((index, j) => ({
      index,
      friendIndex: friends[j % Math.max(1, friends.length)] as number,
      // Screenshot relay: half of a holder's screen, half of the projector (the late code); a call shows a holder.
      via: input.kind === 'screenshot-relay' && j % 2 === 1 ? 'projector' : 'chain',
      startAfterMs: Math.round(RELAY_START.minMs + random() * (RELAY_START.maxMs - RELAY_START.minMs)),
      delayMs: relay(random),
      returnDelayMs: relay(random),
    })),
  };
}

// --- The tally --------------------------------------------------------------------------------------------------

/** What the tally needs of a teacher's attendance row. */
export interface RowSeen {
  readonly studentId: string;
  readonly joined: boolean;
  readonly entry: string | null;
  readonly flags: readonly string[];
  readonly flagEvidence?: readonly { readonly flag: string; readonly otherStudentId?: string }[];
}

export interface AttackTally {
  readonly cheaters: number;
  /** Verified on entry without a flag on the row. */
  readonly verifiedUnflagged: number;
  /** Verified on entry with at least one flag. */
  readonly flagged: number;
  /** Never verified (every attempt refused, or a baton nobody passed on). */
  readonly refused: number;
  /** Cheaters whose row carries a flag, verified or not. */
  readonly anyFlag: number;
  /** Cheaters' rows by flag. */
  readonly byFlag: Readonly<Record<string, number>>;
}

export interface HonestTally {
  /** Honest students who came (on time or late). */
  readonly students: number;
  /** Of them, rows with any flag. */
  readonly flagged: number;
  /** Of those, rows whose every piece of evidence names a cheater (the other end of a relayed hand-off). */
  readonly flaggedNextToCheater: number;
  readonly byFlag: Readonly<Record<string, number>>;
}

const countFlags = (rows: readonly RowSeen[]) => {
  const by: Record<string, number> = {};
  for (const row of rows) for (const flag of new Set(row.flags)) tally(by, flag);
  return by;
};

/**
 * The tally of a class's rows: the cheaters' (`cheaterIds`) and the honest students' who came (`honestIds`).
 * A cheater without a row counts as refused. Throws nothing.
 */
export function tallyRows(
  rows: readonly RowSeen[],
  cheaterIds: ReadonlySet<string>,
  honestIds: ReadonlySet<string>,
): { readonly attack: AttackTally; readonly honest: HonestTally } {
  const cheaterRows = rows.filter((r) => cheaterIds.has(r.studentId));
  const verified = cheaterRows.filter((r) => r.entry !== null);
  const honestRows = rows.filter((r) => honestIds.has(r.studentId));
  const honestFlagged = honestRows.filter((r) => r.flags.length > 0);
  const nextToCheater = honestFlagged.filter((r) => {
    const evidence = r.flagEvidence ?? [];
    return (
      evidence.length > 0 && evidence.every((e) => e.otherStudentId !== undefined && cheaterIds.has(e.otherStudentId))
    );
  });
  return {
    attack: {
      cheaters: cheaterIds.size,
      verifiedUnflagged: verified.filter((r) => r.flags.length === 0).length,
      flagged: verified.filter((r) => r.flags.length > 0).length,
      refused: cheaterIds.size - verified.length,
      anyFlag: cheaterRows.filter((r) => r.flags.length > 0).length,
      byFlag: countFlags(cheaterRows),
    },
    honest: {
      students: honestIds.size,
      flagged: honestFlagged.length,
      flaggedNextToCheater: nextToCheater.length,
      byFlag: countFlags(honestRows),
    },
  };
}

/** A spot check's weight for a row: 1 + 4 per distinct flag. Throws nothing. */
export function spotCheckWeight(flags: readonly string[]): number {
  return SPOT_CHECK_WEIGHT.base + SPOT_CHECK_WEIGHT.perFlag * new Set(flags).size;
}

/**
 * The probability that a spot check of `names` names — drawn one by one without replacement, each with probability
 * proportional to its weight, among the students verified on entry (`pool`) — names at least one cheater. Exact:
 * a walk over how many students of each honest weight were drawn (few distinct weights, few names). Null when no
 * cheater is in the pool (nothing to catch). Throws nothing.
 */
export function spotCheckCatchRate(
  pool: readonly { readonly weight: number; readonly cheater: boolean }[],
  names = SPOT_CHECK_NAMES,
): number | null {
  const cheaterWeight = pool.filter((p) => p.cheater).reduce((sum, p) => sum + p.weight, 0);
  if (cheaterWeight === 0) return null;
  const groups = new Map<number, number>();
  for (const p of pool) if (!p.cheater) groups.set(p.weight, (groups.get(p.weight) ?? 0) + 1);
  const weights = [...groups.keys()];
  const sizes = weights.map((w) => groups.get(w) as number);
  // State: drawn counts per honest weight → probability that every name so far was honest.
  let states = new Map<string, { drawn: number[]; p: number }>([['', { drawn: weights.map(() => 0), p: 1 }]]);
  const draws = Math.min(names, pool.length);
  for (let step = 0; step < draws; step++) {
    const next = new Map<string, { drawn: number[]; p: number }>();
    for (const { drawn, p } of states.values()) {
      const left = weights.map((w, j) => ((sizes[j] as number) - (drawn[j] as number)) * w);
      const total = left.reduce((a, b) => a + b, 0) + cheaterWeight;
      weights.forEach((_, j) => {
        const share = (left[j] as number) / total;
        if (share === 0) return;
        const after = drawn.map((d, i) => (i === j ? d + 1 : d));
        const key = after.join(',');
        const known = next.get(key);
        if (known) known.p += p * share;
        else next.set(key, { drawn: after, p: p * share });
      });
    }
    states = next;
  }
  const noCheater = [...states.values()].reduce((sum, s) => sum + s.p, 0);
  return Math.min(1, Math.max(0, 1 - noCheater));
}
