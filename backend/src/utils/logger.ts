/** Structured JSON logs (one object per line on stdout) with correlation ids; secrets are redacted. */
import pino from 'pino';
import type { AppConfig } from '../config';

export type Logger = pino.Logger;

/** Paths that must never reach a log line. */
const REDACT = [
  'jwtSecret',
  'password',
  'code',
  'token',
  'secret',
  'authorization',
  'cookie',
  '*.authorization',
  '*.cookie',
  '*.token',
  '*.secret',
  'headers.authorization',
  'headers.cookie',
];

/** The process logger; child loggers add `correlationId`, `function` etc. */
export function createLogger(
  config: Pick<AppConfig, 'logLevel' | 'env'>,
  destination?: pino.DestinationStream,
): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'qrca', env: config.env },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    destination,
  );
}
