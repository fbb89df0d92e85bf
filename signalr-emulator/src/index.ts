/** Public surface of @qrca/signalr-emulator: start an emulator, mint tokens, read connection strings. */
export { startSignalREmulator } from './server';
export type { SignalREmulator, SignalREmulatorOptions } from './server';
export type { EmulatorStats } from './state';
export {
  ConnectionStringError,
  formatSignalRConnectionString,
  parseSignalRConnectionString,
} from './connection-string';
export type { SignalRConnectionInfo } from './connection-string';
export { AccessTokenError, clientAccessToken, serverAccessToken, USER_ID_CLAIM } from './tokens';
export type { ClientConnectionInfo } from './tokens';
export { consoleLogger, silentLogger } from './logger';
export type { LogDetails, SignalREmulatorLogger } from './logger';
export { MembershipFileError } from './membership-file';
