/** Public surface of the contract package. */
export * from './auth';
export * from './errors';
export * from './health';
export * from './realtime';
export * from './routes';
export * from './sessions';
export * from './wire';
export * from './wire-vectors';
