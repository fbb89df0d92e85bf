/**
 * Realtime port (Azure SignalR Service in serverless mode, or the bundled emulator). This issue only needs
 * its health; sending to users and groups and negotiate join it with the realtime feature.
 */
export interface Realtime {
  /** `none` when no realtime service is configured yet, `signalr` for Azure SignalR (or a compatible emulator). */
  readonly kind: 'none' | 'signalr';
  /** Cheap reachability check for /api/health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
