/**
 * Who is who in a simulated class, decided up front from the seed: on time, late or absent, and who leaves early;
 * plus the run's email addresses. Pure.
 */
import { shuffled, seededRandom } from '../util/random';

export type Arrival = 'on_time' | 'late' | 'no_show';

export interface PlannedStudent {
  /** Index in the class (0-based), also the order of the roster. */
  readonly index: number;
  readonly email: string;
  readonly arrival: Arrival;
  /** Leaves early with the early-leave code (only students who came). */
  readonly leavesEarly: boolean;
}

export interface ClassPlan {
  readonly classIndex: number;
  readonly teacherEmail: string;
  readonly students: readonly PlannedStudent[];
}

export interface PlanInput {
  readonly classIndex: number;
  readonly students: number;
  readonly late: number;
  readonly noShow: number;
  readonly earlyLeave: number;
  readonly seed: number;
  /** Distinguishes this run's addresses from earlier runs against the same deployment (rate limits per email). */
  readonly runTag: string;
  readonly teacherDomain: string;
  readonly studentDomain: string;
}

/**
 * round(N × late) late arrivals and round(N × noShow) absentees, picked at random; of those who come,
 * round(present × earlyLeave) leave early. Throws nothing.
 */
export function planClass(input: PlanInput): ClassPlan {
  const random = seededRandom(input.seed, `plan:${input.classIndex}`);
  const n = input.students;
  const late = Math.min(n, Math.round(n * input.late));
  const noShow = Math.min(n - late, Math.round(n * input.noShow));
  const order = shuffled(
    random,
    Array.from({ length: n }, (_, i) => i),
  );
  const arrival = new Map<number, Arrival>();
  order.forEach((index, rank) =>
    arrival.set(index, rank < late ? 'late' : rank < late + noShow ? 'no_show' : 'on_time'),
  );
  const present = order.slice(0, late).concat(order.slice(late + noShow));
  const leavers = new Set(shuffled(random, present).slice(0, Math.round(present.length * input.earlyLeave)));
  const prefix = `sim-${input.runTag}-c${input.classIndex + 1}`;
  return {
    classIndex: input.classIndex,
    teacherEmail: `${prefix}-teacher@${input.teacherDomain}`,
    students: Array.from({ length: n }, (_, index) => ({
      index,
      email: `${prefix}-s${String(index + 1).padStart(4, '0')}@${input.studentDomain}`,
      arrival: arrival.get(index) ?? 'on_time',
      leavesEarly: leavers.has(index),
    })),
  };
}

/** A tag for this run's addresses: letters and digits from the clock (not from the seed: addresses are not choices). */
export function runTagAt(nowMs: number): string {
  return nowMs.toString(36).slice(-7);
}
