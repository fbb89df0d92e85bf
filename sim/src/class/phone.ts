/**
 * A virtual student with their phone: joins, keeps heartbeats, listens on real time as the app does, and behaves
 * like a person — waits for a holder near them (a random one of the batons shown in the room), takes a scan time
 * drawn from a log-normal, scans the holder's screen (the chain QR computed from the hold that phone shows), and
 * holds the baton in turn; arrives late and scans the projector's late code; leaves early with the early-leave
 * code; checks out through exit chains. Scans carry a fresh scan id; a transient failure is resent with the same.
 */
import {
  chainQrAt,
  JOIN_SIGNATURE_ID,
  signScan,
  type ChainPhase,
  type Hold,
  type MyStatus,
  type ProjectorKind,
} from '@qrca/contract';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient, Answer, ResponseOf } from '../api/api-client';
import type { Person } from '../api/sign-in';
import { connectHub, type Hub } from '../realtime/hub';
import { logNormal, pick, type Uniform } from '../util/random';
import type { Hall } from './hall';
import type { PlannedStudent } from './plan';

/** The app sends a heartbeat every 20 s while its page is visible (presence lasts 30 s). */
const HEARTBEAT_MS = 20_000;
/** A waiting person looks around again at least this often. */
const LOOK_AGAIN_MS = 1_000;
/** Resends of one scan attempt after a transient failure (503, no answer), and the pause before each. */
const TRANSIENT_RETRIES = 3;
const RETRY_PAUSE_MS = 500;
/** Share of projector codes typed instead of scanned. */
const TYPED_SHARE = 0.2;

export interface PhoneSettings {
  readonly api: ApiClient;
  readonly hall: Hall;
  readonly sessionId: string;
  readonly joinCode: string;
  readonly random: Uniform;
  readonly scanMedianMs: number;
  readonly scanSigma: number;
  /** A phone at home (a cheater): nobody in the hall sees its screen. */
  readonly remote?: boolean;
}

type ScanAnswer = Answer<ResponseOf<'scansCreate'>>;

export class Phone {
  hold: Hold | null = null;
  status: MyStatus | null = null;
  joined = false;
  left = false;
  private hub: Hub | undefined;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    readonly person: Person,
    readonly plan: PlannedStudent,
    private readonly settings: PhoneSettings,
  ) {}

  get id(): string {
    return this.person.id;
  }

  /** A person's time to reach a holder (or the projector) and scan. */
  scanTime(): number {
    return logNormal(this.settings.random, this.settings.scanMedianMs, this.settings.scanSigma);
  }

  /** Joins with the join code (also marks the student online). @throws Error when refused. */
  async join(): Promise<void> {
    const { api, sessionId, joinCode } = this.settings;
    // Signed by the phone's device key, as the app signs its join.
    const key = this.person.device;
    const signedAt = Date.now();
    const device = key && {
      id: key.deviceId,
      signature: await signScan(key.privateKey, { sessionId, scanId: JOIN_SIGNATURE_ID, signedAt, payload: joinCode }),
      signedAt,
    };
    const answer = await api.call('sessionsJoin', {
      params: { id: sessionId },
      body: { joinCode, ...(device ? { device } : {}) },
      as: this.person,
    });
    if (!answer.ok) throw new Error(`join of ${this.person.email}: ${answer.code} ${answer.message}`);
    this.status = answer.data.status;
    this.joined = true;
  }

  /** Connects to real time as the app does, then fetches one snapshot. @throws Error when it cannot connect. */
  async connect(): Promise<void> {
    const { api, hall, sessionId } = this.settings;
    this.hub = await connectHub({
      origin: api.origin(api.nextInstance()),
      sessionId,
      view: 'student',
      token: this.person.token,
      handlers: {
        holdAssigned: ({ hold }) => {
          if (!this.left && !(this.hold?.chainId === hold.chainId && this.hold.seq > hold.seq)) this.show(hold);
        },
        holdReleased: ({ chainId }) => {
          if (this.hold?.chainId === chainId) this.show(null);
        },
        statusChanged: ({ status }) => {
          this.status = status;
        },
      },
      onInvalid: (name) => hall.problems.push(`${this.person.email}: ${name} outside its schema`),
      onReconnected: () => void this.snapshot(),
    });
    await this.snapshot();
  }

  /** Heartbeats every 20 s from now on, the first after a random part of that (phones do not beat in step). */
  startHeartbeats(): void {
    const { api, sessionId, random } = this.settings;
    const beat = () => void api.call('sessionsHeartbeat', { params: { id: sessionId }, as: this.person });
    const first = setTimeout(
      () => {
        beat();
        this.heartbeat = setInterval(beat, HEARTBEAT_MS);
      },
      Math.floor(random() * HEARTBEAT_MS),
    );
    this.heartbeat = first;
  }

  /** Leaves the room: no more heartbeats, real time closed. */
  async leave(): Promise<void> {
    this.left = true;
    this.show(null);
    await this.disconnect();
  }

  /** No more heartbeats (the class is over: people put their phones away). */
  stopHeartbeats(): void {
    clearTimeout(this.heartbeat);
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  /** Stops heartbeats and real time (end of the run). */
  async disconnect(): Promise<void> {
    this.stopHeartbeats();
    await this.hub?.stop();
    this.hub = undefined;
  }

  /**
   * Takes part in a chain phase until verified in it (or `open` says the phase is over): shows the baton while
   * holding it; otherwise walks to a random holder, scans, and holds the baton in turn.
   */
  async chainPhase(phase: ChainPhase, open: () => boolean): Promise<void> {
    const { hall, random } = this.settings;
    while (open() && !this.left && !hall.isVerified(this.id, phase)) {
      if (this.hold?.phase === phase) {
        await hall.nextChange(LOOK_AGAIN_MS);
        continue;
      }
      const target = pick(random, hall.holders(phase, this.id));
      if (!target) {
        await hall.nextChange(LOOK_AGAIN_MS);
        continue;
      }
      await sleep(this.scanTime());
      if (!open() || this.left || this.hold || hall.isVerified(this.id, phase)) continue;
      // By now the holder's screen may show nothing (someone else took the baton): look for another.
      const shown = hall.shownBy(target);
      if (!shown || shown.phase !== phase) continue;
      await this.scanBaton(target, shown);
    }
  }

  /**
   * A verified classmate ends the chain of a last holder nobody else can scan: walks over, scans the holder's
   * screen. Returns whether it ended it (false: the holder's screen changed meanwhile, or it was refused).
   */
  async endChainOf(target: string, phase: ChainPhase): Promise<boolean> {
    const { hall } = this.settings;
    await sleep(this.scanTime());
    const shown = hall.shownBy(target);
    if (!shown || shown.phase !== phase || hall.isVerified(target, phase)) return false;
    const answer = await this.scanBaton(target, shown);
    return answer?.ok === true && !answer.data.youAreHolder;
  }

  /**
   * Scans (or types) the projector's code of `kind` after a scan time: late entry, early leave, or a last exit
   * holder checking out. Returns whether it was accepted.
   */
  async projectorScan(kind: Extract<ProjectorKind, 'late' | 'early-leave' | 'exit'>): Promise<boolean> {
    const { hall, random } = this.settings;
    await sleep(this.scanTime());
    const code = await hall.projectorCode(kind);
    const payload = random() < TYPED_SHARE ? code.typed : code.payload;
    // A last holder's phone may hear its baton released before the answer arrives: note it before.
    const lastHolder = kind === 'exit' && this.hold?.phase === 'exit';
    const answer = await this.scan(payload);
    if (!answer.ok) return false;
    const window = { from: answer.sentAt, to: answer.answeredAt };
    const instance = answer.instance;
    if (answer.data.outcome === 'late_entry') {
      hall.record({ studentId: this.id, kind: 'late', method: 'projector', window, instance });
    } else if (answer.data.outcome === 'early_leave') {
      hall.record({ studentId: this.id, kind: 'early', method: 'projector', window, instance });
    } else if (answer.data.outcome === 'exit_holder') {
      hall.record({ studentId: this.id, kind: 'exit', method: 'projector', window, instance });
      if (lastHolder) {
        hall.exitCodeEnds++;
        this.show(null);
      }
    }
    return true;
  }

  /**
   * Scans a holder's screen showing `shown` — as it is now, or a relayed `payload` (a photo, a video call) —
   * through `api` (default the phone's); books a hand-off or the end of the chain.
   */
  async scanBaton(
    target: string,
    shown: Hold,
    relayed?: { readonly payload: string; readonly api: ApiClient },
  ): Promise<ScanAnswer | undefined> {
    const { hall, sessionId } = this.settings;
    const payload = relayed?.payload ?? (await chainQrAt(sessionId, shown, Date.now()));
    const answer = await this.scan(payload, relayed?.api);
    if (!answer.ok) return answer;
    const window = { from: answer.sentAt, to: answer.answeredAt };
    hall.record({
      studentId: target,
      kind: shown.phase === 'entry' ? 'entry' : 'exit',
      method: 'chain',
      window,
      instance: answer.instance,
    });
    if (answer.data.youAreHolder) {
      hall.handoffs++;
      if (answer.data.hold) this.show(answer.data.hold);
      else await this.snapshot(); // an answer without the hold: the phone asks for its view
    } else {
      hall.chainEnds++;
      hall.vouched.get(shown.phase)?.add(this.id);
    }
    return answer;
  }

  /**
   * Scans the projector's late code relayed from the room (`payload`, as photographed); books a late entry.
   * Returns the answer.
   */
  async scanRelayedLateCode(payload: string): Promise<ScanAnswer> {
    const answer = await this.scan(payload);
    if (answer.ok && answer.data.outcome === 'late_entry') {
      const window = { from: answer.sentAt, to: answer.answeredAt };
      this.settings.hall.record({
        studentId: this.id,
        kind: 'late',
        method: 'projector',
        window,
        instance: answer.instance,
      });
    }
    return answer;
  }

  /** One scan attempt: resent with the same scan id after a transient failure; waits out a rate limit. */
  private async scan(payload: string, through?: ApiClient): Promise<ScanAnswer> {
    const { hall, sessionId } = this.settings;
    const api = through ?? this.settings.api;
    const scanId = randomBytes(12).toString('base64url');
    hall.inFlight++;
    try {
      // Signed by the phone's device key, as the app signs (one signature per attempt, resent as it is).
      const key = this.person.device;
      const signedAt = Date.now();
      const device = key && {
        id: key.deviceId,
        signature: await signScan(key.privateKey, { sessionId, scanId, signedAt, payload }),
        signedAt,
      };
      for (let attempt = 0; ; attempt++) {
        const answer = await api.call('scansCreate', {
          params: { id: sessionId },
          body: { scanId, payload, ...(device ? { device } : {}) },
          as: this.person,
        });
        hall.scanMs.push(answer.answeredAt - answer.sentAt);
        const transient = !answer.ok && (answer.code === 'NETWORK' || answer.code === 'DEPENDENCY_UNAVAILABLE');
        if (transient && attempt < TRANSIENT_RETRIES) {
          await sleep(RETRY_PAUSE_MS);
          continue;
        }
        if (!answer.ok && answer.code === 'RATE_LIMITED') await sleep((answer.retryAfter ?? 1) * 1000);
        return answer;
      }
    } finally {
      hall.inFlight--;
      hall.wake();
    }
  }

  /** The phone's screen: the baton it shows, seen by the people around. */
  private show(hold: Hold | null): void {
    this.hold = hold;
    if (!this.settings.remote) this.settings.hall.show(this.id, hold);
  }

  /** After (re)connecting: the student's own view, once (status and hold). */
  private async snapshot(): Promise<void> {
    const { api, sessionId } = this.settings;
    const answer = await api.call('sessionsMe', { params: { id: sessionId }, as: this.person });
    if (!answer.ok || this.left) return;
    this.status = answer.data.status;
    const hold = answer.data.hold;
    if (hold && !(this.hold?.chainId === hold.chainId && this.hold.seq > hold.seq)) this.show(hold);
    else if (!hold && this.hold) this.show(null);
  }
}
