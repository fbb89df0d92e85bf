/** Public surface of the contract package. */
export * from './api-document';
export * from './auth';
export * from './device-signature';
export * from './errors';
export * from './health';
export * from './insights';
export * from './network';
export * from './realtime';
export * from './roster';
export * from './routes';
export * from './sessions';
export * from './wire';
export * from './wire-vectors';
