/** Name rules of the service: hubs, applications, groups, users and connection ids. */

/** What a name in a path or query names. */
export type NameKind = 'hub' | 'application' | 'group' | 'user' | 'connection';

// Hubs and applications: "start with alphabetic characters and only contain alpha-numeric characters or
// underscore" (data-plane swagger); 128 characters at most, as the Azure SignalR emulator checks.
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;
// Groups: "length greater than 0 and less than 1025"; the Azure SignalR emulator also refuses whitespace.
const GROUP = /^\S{1,1024}$/u;
// Users: any non-blank text without line breaks (the service only requires a value).
const USER = /^(?!\s+$)[^\r\n]{1,1024}$/u;
const CONNECTION = /^[\x21-\x7e]{1,256}$/;

const RULES: Record<NameKind, { pattern: RegExp; rule: string }> = {
  hub: { pattern: IDENTIFIER, rule: 'start with a letter and contain only letters, digits or _ (at most 128)' },
  application: { pattern: IDENTIFIER, rule: 'start with a letter and contain only letters, digits or _ (at most 128)' },
  group: { pattern: GROUP, rule: 'be 1 to 1024 characters without whitespace' },
  user: { pattern: USER, rule: 'be 1 to 1024 characters, not blank, without line breaks' },
  connection: { pattern: CONNECTION, rule: 'be 1 to 256 visible ASCII characters' },
};

/** Why a name is invalid, or undefined when it is valid. */
export function nameProblem(kind: NameKind, value: string): string | undefined {
  const { pattern, rule } = RULES[kind];
  return pattern.test(value) ? undefined : `Invalid ${kind} name: it must ${rule}.`;
}

/**
 * Checks a hub name.
 * @throws TypeError when the name breaks the hub rule.
 */
export function assertHubName(hub: string): void {
  const problem = nameProblem('hub', hub);
  if (problem !== undefined) throw new TypeError(problem);
}
