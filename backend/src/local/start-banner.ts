/** What `npm start` prints once listening: where the app is, how to sign in, and in classroom mode how phones join. */
import type { AppConfig } from '../config';
import { externalAddresses, isLoopbackHost, urlHost, type Machine } from './lan-address';
import type { ServerCertificate } from './server-certificate';

/** What the banner reports besides the configuration. */
export interface StartFacts {
  /** The host's own URL (`LocalHost.url`). */
  readonly url: string;
  /** The certificate served, when HTTPS is on. */
  readonly certificate?: ServerCertificate;
  readonly machine: Machine;
  readonly now?: Date;
}

/**
 * The address to open on this machine: `localhost` for 127.0.0.1 and ::1, as the README and the default
 * PUBLIC_URL say (browsers treat localhost as a secure context over plain HTTP).
 */
export function localAddress(url: string): string {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host !== '127.0.0.1' && host !== '::1') return parsed.origin;
  return `${parsed.protocol}//localhost${parsed.port ? `:${parsed.port}` : ''}`;
}

function certificateLines(config: AppConfig, facts: StartFacts, certificate: ServerCertificate): string[] {
  const { fingerprint256, selfSigned, validTo } = certificate.facts;
  const classroom = !isLoopbackHost(config.host);
  const lines: string[] = [];
  if (classroom) {
    const port = new URL(facts.url).port;
    lines.push(
      `Classroom mode: phones on this network join at  ${config.publicUrl}`,
      '  Join links and QR codes use this address (PUBLIC_URL sets another). If phones cannot connect, let TCP',
      `  port ${port} through this computer's firewall and check that they are on the same Wi-Fi.`,
    );
    const publicHost = new URL(config.publicUrl).hostname.replace(/^\[|\]$/g, '');
    const others = externalAddresses(facts.machine).ipv4.filter((address) => address !== publicHost);
    if (others.length > 0) {
      lines.push(
        `  This computer also has ${others.map((a) => `https://${urlHost(a)}:${port}`).join(', ')}` +
          ' (set PUBLIC_URL to one of them if the address above is not the Wi-Fi).',
      );
    }
  }
  const origin = classroom ? config.publicUrl : localAddress(facts.url);
  if (selfSigned) {
    const where = certificate.source === 'files' ? `your certificate ${certificate.certFile}` : certificate.certFile;
    const news =
      certificate.source === 'generated'
        ? 'It is new: each phone (and each browser on this computer) accepts it once.'
        : 'It is the one from before: phones that accepted it already need nothing; others accept it once.';
    lines.push(
      `The certificate is self-signed (${where}). ${news}`,
      `  Open ${origin} on the phone, then`,
      `  Chrome / Android: "Advanced" → "Proceed to ${new URL(origin).hostname} (unsafe)"`,
      '  Safari / iPhone, iPad: "Show Details" → "visit this website" → "Visit Website"',
    );
  } else {
    lines.push(`HTTPS with your certificate ${certificate.certFile}.`);
  }
  lines.push(
    `  Certificate SHA-256 fingerprint (the phone shows it in the certificate's details):`,
    `  ${fingerprint256}`,
  );
  if (validTo.getTime() <= (facts.now ?? new Date()).getTime()) {
    lines.push(`  Warning: the certificate expired on ${validTo.toISOString()}; browsers will refuse it.`);
  }
  return lines;
}

/** The lines `npm start` prints once the host listens. */
export function startBanner(config: AppConfig, facts: StartFacts): string[] {
  const local = localAddress(facts.url);
  const lines = ['', `QR Chain Attendance is running at ${local}  (health: ${local}/api/health; Ctrl-C to stop)`];
  if (facts.certificate) lines.push(...certificateLines(config, facts, facts.certificate));
  if (config.mail.kind === 'outbox') {
    lines.push(`Sign-in codes are printed here and listed at ${local}/api/dev/outbox?to=EMAIL (no SMTP_URL set).`);
  }
  if (config.auth.defaultDomains) {
    const { adminEmails, teacherDomains, studentDomains } = config.auth;
    lines.push(
      `No email domains configured: sign in as ${adminEmails.join(', ')} (admin), anyone@${teacherDomains.join('|')} ` +
        `(teacher) or anyone@${studentDomains.join('|')} (student).`,
    );
  }
  lines.push('');
  return lines;
}
