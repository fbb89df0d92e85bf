/**
 * Presence-proof benchmark (`npm run bench:presence`): the simulator's cheating scenarios, one after the other,
 * each on a fresh local host, then their table written into BENCHMARKS.md (the section between the bench:presence
 * markers, with date, machine, commands and PRODUCT §5's targets):
 * - each `--attack` kind in a class of 100 with 10 % cheaters;
 * - the honest students' flags in a 500-student class (no attack).
 * Options: `--only NAME[,NAME]` (the kinds, and `honest`), `--no-write` (print the section only). Exits 1 when a
 * run failed its checks or did not complete (the section is still written, so the failure is on record); a target
 * not met is in the table, not in the exit code.
 */
import { PRESENCE_MARKERS, renderPresenceBench } from '../src/report/benchmarks-md';
import { main, type BenchSpec } from './bench-runner';

const attack = (kind: string) => ({
  key: kind,
  name: `${kind}, 100 students, 10 % cheaters`,
  args: ['--attack', kind, '--cheaters', '0.1', '--students', '100', '--scan-time', '5000'],
});

const RUNS: readonly BenchSpec[] = [
  attack('screenshot-relay'),
  attack('live-relay'),
  attack('shared-device'),
  attack('off-network'),
  attack('proxy-phone'),
  {
    key: 'honest',
    name: 'honest class of 500, no attack',
    args: ['--students', '500', '--scan-time', '5000', '--signalr-process'],
  },
];

main({
  runs: RUNS,
  heading: '## Presence proof (bench:presence)',
  markers: PRESENCE_MARKERS,
  tmpPrefix: 'qrca-bench-presence-',
  render: renderPresenceBench,
  note:
    'A cheater is a student of the roster who stays at home (relays, off-network) or is in the room only as a phone (shared device, proxy phone); ' +
    '“verified” is a row checked in on entry once the teacher has closed the chains, “flagged” a row with any flag ' +
    '(a relayed baton refused from another network flags its scanner too); ' +
    'the hall reaches the server from 4 /24s of a campus block (198.18.0.0/16) through NAT, the hosts run with `FLAG_NETWORK_IPV4_PREFIX=16` (the campus block, as docs/operations.md advises), homes from 198.19.j.0/24. ' +
    'The spot-check catch rate is the chance that one check of 5 names names a verified cheater: expected from the rows’ flags and the weighting (1 + 4 per distinct flag), and drawn by the server when it has spot checks.',
});
