/**
 * `npm run sim`: parses the command line, runs the simulation, prints the report (stdout; progress on stderr),
 * writes it as JSON with --json, and exits 0 (every check passed), 1 (a check failed), 2 (bad options) or 3 (the
 * run could not complete).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseOptions, USAGE, UsageError, type SimOptions } from './cli/options';
import { SimReportSchema, type SimReport } from './report/report';
import { renderReport } from './report/table';
import { runSimulation } from './run';

async function main(argv: readonly string[]): Promise<number> {
  let options: SimOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const quiet = options.quiet;
  const started = Date.now();
  const log = (line: string) => {
    if (!quiet) process.stderr.write(`[sim ${((Date.now() - started) / 1000).toFixed(1)} s] ${line}\n`);
  };
  const say = (line: string) => process.stdout.write(`${line}\n`);
  try {
    let printed: SimReport | undefined;
    const onReport = (report: SimReport) => {
      printed = report;
      process.stdout.write(`\n${renderReport(report)}\n`);
    };
    const report = await runSimulation(options, { argv, log, say, onReport });
    // Found after the report was printed (a host that did not stop cleanly).
    for (const failure of report.failures.slice(printed?.failures.length ?? 0)) say(`FAILED: ${failure}`);
    if (options.json) {
      const file = resolve(process.env.INIT_CWD ?? process.cwd(), options.json);
      writeFileSync(file, `${JSON.stringify(SimReportSchema.parse(report), null, 2)}\n`);
      log(`report written to ${file}`);
    }
    return report.passed ? 0 : 1;
  } catch (error) {
    process.stderr.write(
      `sim: the run could not complete: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return 3;
  }
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  // Real-time clients and keep-alive sockets are closed; leave anything a library still holds behind.
  setTimeout(() => process.exit(code), 500).unref();
});
