/**
 * A cheater at home and the friend in the room who relays for them (screenshot relay, live relay, off-network; see
 * attack.ts): the friend photographs or films a holder's screen — or the projector's late code — and the cheater
 * scans it after the relay's delay; when the cheater then holds the baton at home, the friend scans the cheater's
 * screen over the same channel to pass it on. A refused relay is tried again, up to the planned attempts.
 */
import { chainQrAt, type Hold } from '@qrca/contract';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from '../api/api-client';
import type { PlannedCheater } from './attack';
import type { Hall } from './hall';
import type { Phone } from './phone';
import { pick, type Uniform } from '../util/random';

export interface RelayContext {
  readonly hall: Hall;
  readonly sessionId: string;
  /** The attack's client (its refusals are the attack's, not the class's). */
  readonly api: ApiClient;
  readonly random: Uniform;
  /** When the teacher started the entry chains. */
  readonly entryStart: number;
  /** Resolves when on-time entry is closed (the projector shows the late code from then on). */
  readonly entryClosed: Promise<void>;
  /** Whether the class still runs (the teacher has not begun closing what is open). */
  readonly open: () => boolean;
}

/** Relays tried per cheater (a refused photo or call view is tried again with a fresh one). */
const MAX_ATTEMPTS = 3;

/** How long the friend waits for a holder to show up before giving up an attempt. */
const LOOK_FOR_HOLDER_MS = 10_000;

/** What happened to one cheater's relays. */
export interface RelayResult {
  readonly attempts: number;
  readonly accepted: number;
  /** The friend scanned the cheater's baton back into the room. */
  readonly passedBack: boolean;
}

/** Runs one cheater's relays (see the module comment). Throws nothing it does not get from a broken host. */
export async function relay(
  plan: PlannedCheater,
  cheater: Phone,
  friend: Phone,
  delays: { readonly next: () => number; readonly back: () => number },
  context: RelayContext,
): Promise<RelayResult> {
  const { hall, sessionId, random } = context;
  let attempts = 0;
  let accepted = 0;
  let passedBack = false;
  await sleep(Math.max(0, context.entryStart + plan.startAfterMs - Date.now()));
  for (let attempt = 0; attempt < MAX_ATTEMPTS && context.open(); attempt++) {
    if (hall.isVerified(cheater.id, 'entry') || cheater.hold) break;
    if (plan.via === 'projector') {
      await context.entryClosed;
      const code = await hall.projectorCode('late');
      const delay = delays.next();
      await sleep(delay);
      attempts++;
      const answer = await cheater.scanRelayedLateCode(code.payload);
      if (answer.ok) accepted++;
      continue;
    }
    const seen = await holderInSight(hall, random, context.open);
    if (!seen) break;
    const payload = await chainQrAt(sessionId, seen.hold, Date.now());
    await sleep(delays.next());
    attempts++;
    const answer = await cheater.scanBaton(seen.holderId, seen.hold, { payload, api: context.api });
    if (answer?.ok) accepted++;
  }
  // Holding the baton at home (after a relay, or picked as a chain's first holder): the friend passes it on.
  if (cheater.hold?.phase === 'entry' && context.open()) {
    const shown: Hold = cheater.hold;
    const payload = await chainQrAt(sessionId, shown, Date.now());
    await sleep(delays.back());
    const answer = await friend.scanBaton(cheater.id, shown, { payload, api: context.api });
    if (answer?.ok) passedBack = true;
  }
  return { attempts, accepted, passedBack };
}

/** A holder whose screen the friend can photograph or film now (waits for one a while). */
async function holderInSight(
  hall: Hall,
  random: Uniform,
  open: () => boolean,
): Promise<{ holderId: string; hold: Hold } | undefined> {
  const until = Date.now() + LOOK_FOR_HOLDER_MS;
  while (Date.now() < until && open()) {
    const holderId = pick(random, hall.holders('entry'));
    const hold = holderId ? hall.shownBy(holderId) : undefined;
    if (holderId && hold) return { holderId, hold };
    await hall.nextChange(500);
  }
  return undefined;
}
