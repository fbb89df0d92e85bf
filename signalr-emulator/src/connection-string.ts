/** Parses and formats Azure SignalR connection strings (`Endpoint=...;[Port=...;]AccessKey=...;Version=1.0;`). */

/** The parts of a connection string that a client of the service needs. */
export interface SignalRConnectionInfo {
  /** Origin of the service, port included when not the scheme's default, no trailing slash. */
  endpoint: string;
  /** Key that signs the HS256 access tokens. */
  accessKey: string;
}

/** A malformed or unsupported connection string. */
export class ConnectionStringError extends Error {
  override readonly name = 'ConnectionStringError';
}

const SUPPORTED_VERSION = '1.0';

/**
 * Parses `Endpoint=https://x.service.signalr.net;AccessKey=K;Version=1.0;` (Azure) or
 * `Endpoint=http://127.0.0.1;Port=8888;AccessKey=K;Version=1.0;` (emulator). Keys are case-insensitive, unknown
 * keys are ignored, a value may contain `=` (base64 keys do).
 * @throws ConnectionStringError when Endpoint or AccessKey is missing or invalid, the port is not 1..65535, the
 *   version is not 1.0, or the string asks for Microsoft Entra (AuthType=aad/azure*) authentication.
 */
export function parseSignalRConnectionString(connectionString: string): SignalRConnectionInfo {
  const fields = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) throw new ConnectionStringError(`Connection string part "${redact(trimmed)}" is not key=value.`);
    const key = trimmed.slice(0, eq).trim().toLowerCase();
    if (fields.has(key)) throw new ConnectionStringError(`Connection string key "${key}" appears twice.`);
    fields.set(key, trimmed.slice(eq + 1).trim());
  }

  const authType = fields.get('authtype');
  if (authType !== undefined && authType.toLowerCase() !== 'accesskey') {
    throw new ConnectionStringError(`AuthType=${authType} is not supported: use an AccessKey connection string.`);
  }
  const version = fields.get('version');
  if (version !== undefined && version !== SUPPORTED_VERSION) {
    throw new ConnectionStringError(`Version=${version} is not supported (expected ${SUPPORTED_VERSION}).`);
  }
  const accessKey = fields.get('accesskey');
  if (!accessKey) throw new ConnectionStringError('Connection string has no AccessKey.');

  const rawEndpoint = fields.get('endpoint');
  if (!rawEndpoint) throw new ConnectionStringError('Connection string has no Endpoint.');
  let url: URL;
  try {
    url = new URL(rawEndpoint);
  } catch {
    throw new ConnectionStringError(`Endpoint "${rawEndpoint}" is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConnectionStringError(`Endpoint "${rawEndpoint}" must be http or https.`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '' || url.username !== '') {
    throw new ConnectionStringError(`Endpoint "${rawEndpoint}" must be an origin without path, query or credentials.`);
  }
  const port = fields.get('port');
  if (port !== undefined) {
    if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535) {
      throw new ConnectionStringError(`Port "${port}" is not a TCP port.`);
    }
    url.port = port;
  }
  return { endpoint: url.origin, accessKey };
}

/**
 * Formats the emulator form of a connection string: the port goes into its own `Port=` key, as the Azure SignalR
 * emulator and SDKs write it.
 * @throws ConnectionStringError when the endpoint is not an http(s) origin or the key is empty.
 */
export function formatSignalRConnectionString(info: SignalRConnectionInfo): string {
  let url: URL;
  try {
    url = new URL(info.endpoint);
  } catch {
    throw new ConnectionStringError(`Endpoint "${info.endpoint}" is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConnectionStringError(`Endpoint "${info.endpoint}" must be http or https.`);
  }
  if (!info.accessKey || info.accessKey.includes(';')) {
    throw new ConnectionStringError('AccessKey must be non-empty and contain no ";".');
  }
  const port = url.port;
  url.port = '';
  const portPart = port === '' ? '' : `Port=${port};`;
  return `Endpoint=${url.origin};${portPart}AccessKey=${info.accessKey};Version=${SUPPORTED_VERSION};`;
}

function redact(part: string): string {
  return part.length > 12 ? `${part.slice(0, 12)}…` : part;
}
