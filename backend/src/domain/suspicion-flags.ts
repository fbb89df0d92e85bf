/**
 * Suspicion flags (PRODUCT §5): pure rules that turn the facts of one scan into flags with their evidence, and
 * the bounded merge of evidence into an attendance row. Refuse only what is certain (a device policy of
 * `enforce`), flag what is suspicious with what was measured, and keep thresholds where a quick but human scan
 * never reaches them: friends verifying each other is normal, and never a flag by itself.
 */
import type { FlagEvidence, FlagKind, PolicyMode, SignatureVerdict } from '@qrca/contract';
import { ipInNetworks, networkOf } from './network';
import type { AttendanceRecord, DeviceUseRecord } from './records';

/** Evidence kept per flag on one row (the first ones: later repeats add nothing a teacher needs). */
export const MAX_EVIDENCE_PER_FLAG = 5;
/** Evidence kept per row in all (rows must stay small). */
export const MAX_EVIDENCE = 24;
/** Accounts a device-use record names; more are only counted. */
export const MAX_DEVICE_ACCOUNTS = 20;

/** The tunable thresholds (config.ts, `FLAG_*`). */
export interface FlagThresholds {
  /** `late_code`: a scanned code used at least this long after it left the screen. */
  readonly lateCodeMs: number;
  /** `too_fast`: a hand-off sooner than this after the hold was issued; 0 turns the rule off. */
  readonly tooFastMs: number;
  /** `network_mismatch`: the prefix lengths within which two addresses are one network. */
  readonly networkBits: { readonly ipv4: number; readonly ipv6: number };
}

/** One observation of a scan, before it is put on a row (a hand-off puts it on both of its rows). */
export type Observation = Omit<FlagEvidence, 'role' | 'otherStudentId'> & { readonly flag: FlagKind };

/** Where the observation was made: the scan attempt and when. */
export interface ScanContext {
  readonly nowMs: number;
  readonly scanId: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
/** Seconds with one decimal, rounded down (0.99 s is not "1.0 s" next to a 1.0 s threshold). */
const seconds = (ms: number) => `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
const observe = (
  flag: FlagKind,
  at: ScanContext,
  detail: string,
  facts: Record<string, string | number | boolean>,
  chainId?: string,
): Observation => ({ flag, at: iso(at.nowMs), detail, scanId: at.scanId, ...(chainId ? { chainId } : {}), facts });

// --- Device keys -------------------------------------------------------------------------------------------

const UNSIGNED_DETAIL: Record<Exclude<SignatureVerdict, 'off' | 'valid'>, string> = {
  missing: 'scan sent without a device signature',
  unknown_device: 'scan signed by a device key this account never registered',
  invalid: 'device signature does not verify',
  stale: 'device signature made more than 10 minutes away from the server’s time',
};

/**
 * `unsigned_scan`: under `warn` a scan whose signature is missing or bad is flagged; under `enforce` it is
 * refused (the evidence still goes into the audit log). Nothing under `off` or for a valid signature.
 */
export function signatureRule(
  policy: PolicyMode,
  verdict: SignatureVerdict,
  at: ScanContext,
): { readonly refuse: boolean; readonly evidence?: Observation } {
  if (policy === 'off' || verdict === 'off' || verdict === 'valid') return { refuse: false };
  return {
    refuse: policy === 'enforce',
    evidence: observe('unsigned_scan', at, UNSIGNED_DETAIL[verdict], { signature: verdict }),
  };
}

export interface SharedDevice {
  /** Under `enforce`: a second account on one device is refused. */
  readonly refuse: boolean;
  /** The device-use record with this student added, when it changes. */
  readonly next?: DeviceUseRecord;
  /** The scanner's evidence (this device scanned for others before). */
  readonly scanner?: FlagEvidence;
  /** Evidence for the other accounts on the device, flagged with the scanner's first use. */
  readonly others: readonly { readonly studentId: string; readonly evidence: FlagEvidence }[];
}

/**
 * `shared_device`: a device (proven by its signature) used by a second account in one session flags both
 * accounts, once, when the second one first uses it — and refuses the second under `enforce`. Many accounts
 * behind one device is the same flag with the count in its facts.
 */
export function sharedDeviceRule(input: {
  readonly policy: PolicyMode;
  readonly studentId: string;
  readonly deviceId: string;
  readonly use: DeviceUseRecord | undefined;
  readonly at: ScanContext;
}): SharedDevice {
  const { policy, studentId, deviceId, use, at } = input;
  const accounts = use?.accounts ?? [];
  if (policy === 'off' || accounts.some((account) => account.studentId === studentId))
    return { refuse: false, others: [] };
  const others = accounts.filter((account) => account.studentId !== studentId);
  const count = others.length + (use?.moreAccounts ?? 0);
  if (count > 0 && policy === 'enforce') return { refuse: true, others: [] };
  const next: DeviceUseRecord =
    accounts.length < MAX_DEVICE_ACCOUNTS
      ? {
          deviceId,
          accounts: [...accounts, { studentId, firstAt: iso(at.nowMs) }],
          moreAccounts: use?.moreAccounts ?? 0,
        }
      : { deviceId, accounts, moreAccounts: (use?.moreAccounts ?? 0) + 1 };
  if (count === 0) return { refuse: false, next, others: [] };
  const facts = { deviceId, accounts: count + 1 };
  return {
    refuse: false,
    next,
    scanner: {
      ...observe(
        'shared_device',
        at,
        `this device was also used for ${count === 1 ? 'another account' : `${count} other accounts`} in this session`,
        facts,
      ),
      ...(others.length === 1 && others[0] ? { otherStudentId: others[0].studentId } : {}),
    },
    others: others.map((other) => ({
      studentId: other.studentId,
      evidence: {
        ...observe('shared_device', at, 'the device this student used was later used for another account', facts),
        otherStudentId: studentId,
      },
    })),
  };
}
/** `device_changed`: a student who scanned with one device (proven) now scans with another. Flag only. */
export function deviceChangedRule(
  previousDeviceId: string | null | undefined,
  deviceId: string,
  at: ScanContext,
): Observation | undefined {
  if (!previousDeviceId || previousDeviceId === deviceId) return undefined;
  return observe('device_changed', at, 'scanned with another device than earlier in this session', {
    from: previousDeviceId,
    to: deviceId,
  });
}

// --- Relay and timing --------------------------------------------------------------------------------------

/** What a code was and how it was read: a holder's chain code, or a projector code scanned or typed. */
export interface CodeUse {
  readonly code: 'chain' | 'entry' | 'late' | 'early-leave' | 'exit';
  readonly entry: 'scanned' | 'typed';
  /** The code's time step and rotation: it was on screen during [step, step + 1) × rotation. */
  readonly step: number;
  readonly rotationSeconds: number;
  /** Earlier steps still accepted, and the clock skew allowed on top: the code's acceptance window. */
  readonly acceptPreviousSteps: number;
  readonly skewMs: number;
  readonly chainId?: string;
}

/**
 * `late_code`: a code used after it left the screen, later than a clock offset and a scan's round trip explain —
 * a scanned code at least `lateCodeMs` after its step ended — or in the last second of its acceptance window
 * (also typed codes, which take people a few seconds to type). A code still on screen is never late.
 */
export function lateCodeRule(use: CodeUse, lateCodeMs: number, at: ScanContext): Observation | undefined {
  const rotationMs = use.rotationSeconds * 1000;
  const shownUntil = (use.step + 1) * rotationMs;
  const graceMs = use.acceptPreviousSteps * rotationMs + use.skewMs;
  const afterMs = at.nowMs - shownUntil;
  if (afterMs <= 0) return undefined;
  const lastSecond = afterMs >= graceMs - 1000;
  const late = use.entry === 'scanned' && afterMs >= lateCodeMs;
  if (!late && !lastSecond) return undefined;
  const what =
    use.code === 'chain' ? 'chain code' : `${use.entry === 'typed' ? 'typed ' : ''}${use.code} code from the projector`;
  const screen = use.code === 'chain' ? 'the holder’s screen' : 'the screen';
  return observe(
    'late_code',
    at,
    `${what} used ${seconds(afterMs)} after it left ${screen} (accepted up to ${seconds(graceMs)} after)`,
    { afterMs, graceMs, step: use.step, entry: use.entry, lastSecond },
    use.chainId,
  );
}

/**
 * `too_fast`: the baton passed on sooner than a person can show and scan a code after the hold was issued
 * (the holder's phone must learn the hold, draw it, and a classmate's camera read it). Off with 0.
 */
export function tooFastRule(
  issuedAtMs: number,
  tooFastMs: number,
  chainId: string,
  at: ScanContext,
): Observation | undefined {
  const elapsedMs = at.nowMs - issuedAtMs;
  if (tooFastMs <= 0 || !(elapsedMs >= 0 && elapsedMs < tooFastMs)) return undefined;
  return observe(
    'too_fast',
    at,
    `baton passed on ${seconds(elapsedMs)} after the holder got it (a person needs at least ${seconds(tooFastMs)})`,
    { elapsedMs, thresholdMs: tooFastMs },
    chainId,
  );
}

/**
 * `holder_offline`: the baton passed on while the holder's phone had not been in touch (join, scan or heartbeat)
 * for `onlineMs`: the code on show was not that of the holder's running app (a photo or recording of it), or the
 * phone lost its connection — the app keeps drawing the code offline, so it is a flag for the teacher, not a
 * refusal. Nothing when the holder was seen.
 */
export function holderOfflineRule(
  holderSeen: boolean,
  onlineMs: number,
  chainId: string,
  at: ScanContext,
): Observation | undefined {
  if (holderSeen) return undefined;
  return observe(
    'holder_offline',
    at,
    `baton passed on while the holder’s phone had not been in touch for over ${seconds(onlineMs)}`,
    { onlineWindowMs: onlineMs },
    chainId,
  );
}

/**
 * The networks of two client addresses when they differ: different IPv4 /24 or IPv6 /48 prefixes (configurable).
 * Undefined — not a difference — for an unknown address, two address families (dual-stack phones on one Wi-Fi), two
 * addresses on the server's own site (private, loopback, link-local, unique-local, carrier NAT) or two addresses in
 * the session's allowed networks.
 */
export function differentNetworks(
  first: string | undefined,
  second: string | undefined,
  allowedNetworks: readonly string[] | undefined,
  bits: FlagThresholds['networkBits'],
): { readonly first: string; readonly second: string } | undefined {
  if (!first || !second) return undefined;
  const a = networkOf(first, bits);
  const b = networkOf(second, bits);
  if (!a || !b || a.family !== b.family || (a.local && b.local)) return undefined;
  if (allowedNetworks?.length && ipInNetworks(first, allowedNetworks) && ipInNetworks(second, allowedNetworks))
    return undefined;
  return a.prefix === b.prefix ? undefined : { first: a.prefix, second: b.prefix };
}

/**
 * `network_mismatch` in a hand-off: the scanner and the holder reach us from different networks (see
 * {@link differentNetworks}), without any configured CIDR list. The holder's address is that of their last request.
 */
export function networkMismatchRule(input: {
  readonly scannerIp: string | undefined;
  readonly holderIp: string | undefined;
  readonly allowedNetworks: readonly string[] | undefined;
  readonly bits: FlagThresholds['networkBits'];
  readonly chainId: string;
  readonly at: ScanContext;
}): Observation | undefined {
  const { scannerIp, holderIp, allowedNetworks, bits, chainId, at } = input;
  const differ = differentNetworks(scannerIp, holderIp, allowedNetworks, bits);
  if (!differ) return undefined;
  return observe(
    'network_mismatch',
    at,
    `scanner on network ${differ.first}, holder on ${differ.second}`,
    { scannerNetwork: differ.first, holderNetwork: differ.second },
    chainId,
  );
}

/**
 * `network_mismatch` for a projector code: the scanner reaches us from another network than every screen that
 * showed the session's codes recently (the projector is in the room). Nothing when no screen is known.
 */
export function projectorNetworkRule(input: {
  readonly scannerIp: string | undefined;
  readonly displayIps: readonly string[];
  readonly allowedNetworks: readonly string[] | undefined;
  readonly bits: FlagThresholds['networkBits'];
  readonly kind: string;
  readonly at: ScanContext;
}): Observation | undefined {
  const { scannerIp, displayIps, allowedNetworks, bits, kind, at } = input;
  if (displayIps.length === 0) return undefined;
  const differences = displayIps.map((ip) => differentNetworks(scannerIp, ip, allowedNetworks, bits));
  const first = differences[0];
  if (!first || differences.some((difference) => difference === undefined)) return undefined;
  const displays = [...new Set(differences.map((difference) => difference?.second))].join(', ');
  return observe(
    'network_mismatch',
    at,
    `${kind} code scanned from network ${first.first}, the projector showing it is on ${displays}`,
    { scannerNetwork: first.first, projectorNetwork: displays },
  );
}

/** An observation of a hand-off as it goes on one side's row, naming the other side. Throws nothing. */
export function asHandOffSide(
  observation: Observation,
  role: 'scanner' | 'holder',
  other: { readonly studentId: string; readonly email: string },
): FlagEvidence {
  const side = role === 'scanner' ? `scanned ${other.email}’s baton` : `baton scanned by ${other.email}`;
  return { ...observation, detail: `${observation.detail} (${side})`, role, otherStudentId: other.studentId };
}

/** The refusals of a chain scan after which its networks still go on the scanner's row, in words. */
const REFUSED_IN_WORDS = {
  BATON_TAKEN: 'someone else had just taken it',
  CODE_EXPIRED: 'the code had expired',
  NOT_ELIGIBLE: 'they could not take it',
} as const;

/** Whether a chain scan refused with `code` still tells where the scanner was (see {@link asRefusedScan}). */
export const refusalIsEvidence = (code: string): code is keyof typeof REFUSED_IN_WORDS =>
  Object.hasOwn(REFUSED_IN_WORDS, code);

/**
 * A refused chain scan's observation as it goes on the scanner's row: a baton tried from another network is
 * evidence even when the scan lost (a relay is often too slow to win). Undefined for a refusal that says nothing
 * about the attempt (a rate limit, an outage…). Throws nothing.
 */
export function asRefusedScan(
  observation: Observation,
  refusal: string,
  holder: { readonly studentId: string; readonly email: string },
): FlagEvidence | undefined {
  if (!refusalIsEvidence(refusal)) return undefined;
  const words = REFUSED_IN_WORDS[refusal];
  return {
    ...observation,
    detail: `${observation.detail} (tried to scan ${holder.email}’s baton, refused: ${words})`,
    role: 'scanner',
    otherStudentId: holder.studentId,
    facts: { ...observation.facts, refused: refusal },
  };
}

// --- Rows and the record -----------------------------------------------------------------------------------

/**
 * The row with `evidence` added: each flag named once in `flags`, at most {@link MAX_EVIDENCE_PER_FLAG} pieces
 * of evidence per flag and {@link MAX_EVIDENCE} per row (the first ones are kept). The same row when there is
 * nothing to add. Throws nothing.
 */
export function withEvidence(row: AttendanceRecord, evidence: readonly FlagEvidence[]): AttendanceRecord {
  if (evidence.length === 0) return row;
  const kept = [...(row.flagEvidence ?? [])];
  for (const piece of evidence) {
    const sameFlag = kept.filter((k) => k.flag === piece.flag).length;
    if (sameFlag < MAX_EVIDENCE_PER_FLAG && kept.length < MAX_EVIDENCE) kept.push(piece);
  }
  return {
    ...row,
    flags: [...new Set([...row.flags, ...evidence.map((piece) => piece.flag)])],
    flagEvidence: kept,
  };
}

/**
 * The export's `flags` cell: each flag with its evidence, `flag: detail | detail; flag…` — the same detail once,
 * with `(n times)` — and a flag without recorded evidence as its name alone. Throws nothing.
 */
export function flagsText(flags: readonly string[], evidence: readonly FlagEvidence[] = []): string {
  return flags
    .map((flag) => {
      const counts = new Map<string, number>();
      for (const piece of evidence.filter((p) => p.flag === flag)) {
        const detail = piece.detail.replace(/;/g, ',');
        counts.set(detail, (counts.get(detail) ?? 0) + 1);
      }
      const details = [...counts].map(([detail, n]) => (n > 1 ? `${detail} (${n} times)` : detail));
      return details.length > 0 ? `${flag}: ${details.join(' | ')}` : flag;
    })
    .join('; ');
}
