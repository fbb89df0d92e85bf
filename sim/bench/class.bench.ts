/**
 * Class benchmark (`npm run bench:class`): the fixed set of `npm run sim` runs, one after the other, each on a
 * fresh local host with embedded defaults, then their table written into BENCHMARKS.md (the section between the
 * bench:class markers, with date, machine and commands):
 * - a 500-student class at a 5 s median scan time, `auto` chains;
 * - a 1,000-student class, likewise;
 * - ten 100-student classes at once on one host.
 * Each with the SignalR emulator as a process of its own (`--signalr-process`): the host's memory is its own.
 * Options: `--only NAME[,NAME]` (500, 1000, ten), `--no-write` (print the section only). Exits 1 when a run failed
 * its checks or did not complete (the section is still written, so the failure is on record).
 */
import { renderClassBench } from '../src/report/benchmarks-md';
import { main, type BenchSpec } from './bench-runner';

const RUNS: readonly BenchSpec[] = [
  {
    key: '500',
    name: '500 students, 5 s median scan, auto chains',
    args: ['--students', '500', '--scan-time', '5000', '--signalr-process'],
  },
  {
    key: '1000',
    name: '1,000 students, 5 s median scan, auto chains',
    args: ['--students', '1000', '--scan-time', '5000', '--signalr-process'],
  },
  {
    key: 'ten',
    name: 'ten classes of 100 at once, 5 s median scan',
    args: ['--classes', '10', '--students', '100', '--scan-time', '5000', '--signalr-process'],
  },
];

main({
  runs: RUNS,
  heading: '## Classes (bench:class)',
  tmpPrefix: 'qrca-bench-class-',
  render: renderClassBench,
  note:
    'Times run from the teacher starting the entry chains to the last student in the room verified (set-up — sign-in, joining, connecting — is not counted). ' +
    'The SignalR emulator runs as a process of its own (`--signalr-process`), as Azure SignalR Service holds the phones’ connections outside the Functions host: the RSS column is the host’s alone.',
});
