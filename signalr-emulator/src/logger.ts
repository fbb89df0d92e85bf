/** The logger the emulator writes to: four levels, a message and optional structured details. */

/** Structured details of a log line. */
export type LogDetails = Record<string, unknown>;

/** What the emulator logs to; pass your own (e.g. a pino adapter) or use {@link consoleLogger}. */
export interface SignalREmulatorLogger {
  debug(message: string, details?: LogDetails): void;
  info(message: string, details?: LogDetails): void;
  warn(message: string, details?: LogDetails): void;
  error(message: string, details?: LogDetails): void;
}

/** Discards everything: the default, so tests and embedding hosts stay quiet. */
export const silentLogger: SignalREmulatorLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

/** Writes info and above to stderr as one line each (the CLI uses it; stdout stays for the connection string). */
export function consoleLogger(options: { debug?: boolean } = {}): SignalREmulatorLogger {
  const line = (level: string, message: string, details?: LogDetails) => {
    const suffix = details === undefined ? '' : ` ${JSON.stringify(details)}`;
    process.stderr.write(`${new Date().toISOString()} ${level} ${message}${suffix}\n`);
  };
  return {
    debug: (message, details) => {
      if (options.debug === true) line('debug', message, details);
    },
    info: (message, details) => line('info', message, details),
    warn: (message, details) => line('warn', message, details),
    error: (message, details) => line('error', message, details),
  };
}
