// The insights API on a simulated class of 60 (issue #16's acceptance): the whole simulator — a local deployment,
// phones passing batons, late arrivals, early leavers, exit chains — then GET …/insights of the ended session
// compared with what the simulation saw (class/insights-check.ts): counts exactly, the entry's times within the
// request windows the simulator measured.
import { describe, expect, it } from 'vitest';
import { parseOptions } from './cli/options';
import { runSimulation } from './run';

describe('insights of a simulated class', () => {
  it('equal what the simulation saw happen', { timeout: 180_000 }, async () => {
    const argv = ['--students', '60', '--scan-time', '300', '--late', '0.1', '--early-leave', '0.05', '--exit'];
    const lines: string[] = [];
    const report = await runSimulation(parseOptions(argv), {
      argv,
      log: (line) => lines.push(line),
      say: (line) => lines.push(line),
      onReport: () => undefined,
    });
    expect(report.insightsMismatches, lines.slice(-20).join('\n')).toEqual([]);
    expect(report.failures).toEqual([]);
    // The comparison had something to compare: a class that checked in on entry, by chains and the late code.
    expect(report.verified).toBeGreaterThan(50);
    expect(report.classes[0]?.late).toBeGreaterThan(0);
  });
});
