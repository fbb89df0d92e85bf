/** The command line of `npm run sim`: argv → validated options (zod), with the usage text. */
import { MAX_ROSTER } from '@qrca/contract';
import { z } from 'zod';
import { ATTACK_KINDS } from '../class/attack';
import { CAMPUS_PREFIX, DEFAULT_CAMPUS_SUBNETS } from '../class/network';

export const USAGE = `Usage: npm run sim -- [options]

Signs in N virtual students and a teacher, runs a class over the public API and real time, and reports.

  --students N          students per class (default 60; --demo: 30; at most ${MAX_ROSTER})
  --chains K|auto       entry and exit chains the teacher starts (default auto: the server decides, by default
                        one per 8 joined students — CHAIN_STUDENTS_PER_CHAIN)
  --scan-time MS        median time a student takes to reach a holder and scan, log-normal (default 5000)
  --scan-sigma S        spread of that log-normal: the standard deviation of its logarithm (default 0.5)
  --late P              share of students who arrive after on-time entry closes and scan the late code
  --early-leave P       share of the students present who leave early with the early-leave code
  --no-show P           share of the roster who never come
  --exit                run exit chains in the exit window (the last holders check out with the exit code)
  --classes C           run C classes of N students at once on the same host(s) (default 1)
  --instances I         start I host processes over Azurite, Redis and the SignalR emulator (default 1:
                        one local host with its embedded defaults)
  --signalr-process     with one instance, run the SignalR emulator as a process of its own (as Azure SignalR
                        Service holds the phones' connections outside the Functions host), so the host's
                        memory is measured without them
  --url URL             use a running deployment instead of starting a host: it must have the dev outbox (no
                        SMTP_URL, not production) and, for large classes from one machine, trust this
                        machine's X-Forwarded-For (TRUSTED_PROXIES) so each student has an address of its own
  --teacher-domain D    email domain of teachers (default teacher.test, as \`npm start\` allows)
  --student-domain D    email domain of students (default student.test)
  --seed S              seed of every random choice the simulator makes: who is late, absent or leaves early,
                        scan times, which holder each student walks to (default 1; the server's own random
                        picks — chain seeds, reseeds — and the timing of the machine are not the simulator's)
  --attack KIND         a cheating scenario: screenshot-relay (a friend photographs a holder's screen or the
                        projector's late code, a student at home scans it 5–60 s later), live-relay (a video
                        call: 1–3 s late, from home, the baton passed back over the call), shared-device (a
                        friend's phone signs in the absent student too), off-network (the live relay against a
                        session whose network policy lists the campus in enforce), proxy-phone (a friend holds
                        a second phone signed in as the absent student); the report adds what the server made
                        of the cheaters and of the honest students, and the catch rate of a 5-name spot check
  --cheaters P          share of each class that cheats (with --attack; default 0.1)
  --spot-checks N       with --attack: spot checks the teacher draws per class when the server has them
                        (POST …/spot-checks; default 100, 0: none)
  --campus-subnets K    /24s of the campus NAT pool (198.18.0.0/16) the hall's phones reach the server from
                        (default ${DEFAULT_CAMPUS_SUBNETS}); students at home come from 198.19.j.0/24
  --network-prefix N    FLAG_NETWORK_IPV4_PREFIX of the hosts the simulator starts (default ${CAMPUS_PREFIX}: the campus
                        block, as docs/operations.md advises for a NAT pool over several /24s; 24 is the
                        server's default)
  --json FILE           also write the report as JSON
  --demo                a slower class to watch on the dashboard: prints the sign-in and dashboard
                        addresses, waits for Enter, keeps the host running at the end until Ctrl-C
  --quiet               no progress lines on stderr
  --help                this text

Exit codes: 0 every check passed; 1 the class ran but a check failed (see the report); 2 bad options;
3 the run could not complete (a host did not start, the API refused the set-up).`;

const share = (name: string) =>
  z.coerce
    .number({ error: `--${name} takes a share between 0 and 1` })
    .min(0, `--${name} takes a share between 0 and 1`)
    .max(1, `--${name} takes a share between 0 and 1`);

const count = (name: string, min: number, max: number) =>
  z.coerce
    .number({ error: `--${name} takes a whole number` })
    .int(`--${name} takes a whole number`)
    .min(min, `--${name} must be at least ${min}`)
    .max(max, `--${name} must be at most ${max}`);

const domain = (name: string) =>
  z
    .string()
    .regex(/^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, `--${name} takes a domain name, e.g. school.edu`);

/** Options as the simulator uses them. */
export const SimOptionsSchema = z
  .object({
    students: count('students', 1, MAX_ROSTER).optional(),
    chains: z.union([z.literal('auto'), count('chains', 1, 100)]).default('auto'),
    scanTime: count('scan-time', 50, 600_000).optional(),
    scanSigma: z.coerce
      .number()
      .min(0, '--scan-sigma must be at least 0')
      .max(2, '--scan-sigma must be at most 2')
      .default(0.5),
    late: share('late').default(0),
    earlyLeave: share('early-leave').default(0),
    noShow: share('no-show').default(0),
    exit: z.boolean().default(false),
    classes: count('classes', 1, 50).default(1),
    instances: count('instances', 1, 4).default(1),
    signalrProcess: z.boolean().default(false),
    url: z.url({ protocol: /^https?$/, error: '--url takes an http(s) address' }).optional(),
    teacherDomain: domain('teacher-domain').default('teacher.test'),
    studentDomain: domain('student-domain').default('student.test'),
    seed: z.coerce.number({ error: '--seed takes a whole number' }).int('--seed takes a whole number').default(1),
    json: z.string().min(1).optional(),
    attack: z.enum(ATTACK_KINDS, { error: `--attack takes one of ${ATTACK_KINDS.join(', ')}` }).optional(),
    cheaters: share('cheaters').optional(),
    spotChecks: count('spot-checks', 0, 1_000).default(100),
    campusSubnets: count('campus-subnets', 1, 64).default(DEFAULT_CAMPUS_SUBNETS),
    networkPrefix: count('network-prefix', 8, 32).default(CAMPUS_PREFIX),
    demo: z.boolean().default(false),
    quiet: z.boolean().default(false),
    help: z.boolean().default(false),
  })
  .refine((o) => o.late + o.noShow <= 1, { message: '--late and --no-show together cannot exceed 1', path: ['late'] })
  .refine((o) => o.cheaters === undefined || o.attack !== undefined, {
    message: '--cheaters takes a share of cheaters for --attack',
    path: ['cheaters'],
  })
  .refine((o) => !(o.url && o.signalrProcess), {
    message: '--signalr-process starts processes of its own; it cannot be combined with --url',
    path: ['signalrProcess'],
  })
  .refine((o) => !(o.url && o.instances > 1), {
    message: '--instances starts hosts of its own; it cannot be combined with --url',
    path: ['instances'],
  })
  .transform((o) => ({
    ...o,
    students: o.students ?? (o.demo ? 30 : 60),
    scanTime: o.scanTime ?? (o.demo ? 4_000 : 5_000),
    cheaters: o.attack ? (o.cheaters ?? 0.1) : 0,
    url: o.url?.replace(/\/+$/, ''),
  }));

export type SimOptions = z.output<typeof SimOptionsSchema>;

/** Thrown for a command line that cannot run, with every problem at once. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const FLAGS = new Set(['exit', 'demo', 'quiet', 'help', 'signalr-process']);
const VALUED = new Set([
  'students',
  'chains',
  'scan-time',
  'scan-sigma',
  'late',
  'early-leave',
  'no-show',
  'classes',
  'instances',
  'url',
  'teacher-domain',
  'student-domain',
  'seed',
  'json',
  'attack',
  'cheaters',
  'spot-checks',
  'campus-subnets',
  'network-prefix',
]);

const camel = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Parses `--name value`, `--name=value` and the flags into {@link SimOptions}.
 * @throws UsageError naming every unknown, repeated, valueless or invalid option.
 */
export function parseOptions(argv: readonly string[]): SimOptions {
  const raw: Record<string, string | boolean> = {};
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const match = /^--([a-z][a-z-]*)(?:=(.*))?$/.exec(arg);
    if (!match) {
      problems.push(`unexpected argument "${arg}"`);
      continue;
    }
    const [, name = '', inline] = match;
    if (!FLAGS.has(name) && !VALUED.has(name)) {
      problems.push(`unknown option --${name}`);
      continue;
    }
    const key = camel(name);
    if (key in raw) problems.push(`--${name} is given twice`);
    if (FLAGS.has(name)) {
      if (inline !== undefined) problems.push(`--${name} takes no value`);
      raw[key] = true;
      continue;
    }
    const value = inline ?? argv[i + 1];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      problems.push(`--${name} needs a value`);
      continue;
    }
    if (inline === undefined) i++;
    raw[key] = value;
  }
  const parsed = SimOptionsSchema.safeParse(raw);
  if (!parsed.success) problems.push(...parsed.error.issues.map((issue) => issue.message));
  if (problems.length > 0 || !parsed.success) throw new UsageError(problems.join('\n'));
  return parsed.data;
}
