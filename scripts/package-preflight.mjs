// azd preprovision hook (azure.yaml): refuses to provision a deployment that would refuse to start or that nobody
// could sign in to, before anything is created. azd passes the environment's values (azd env set …) as variables.
// The app checks the same again at start-up (backend/src/config.ts); this only says it earlier. Node built-ins only.
const env = process.env;
const problems = [];

const list = (value) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

if (
  !list(env.ADMIN_EMAILS).length &&
  !list(env.TEACHER_EMAIL_DOMAINS).length &&
  !list(env.STUDENT_EMAIL_DOMAINS).length
) {
  problems.push(
    'Nobody could sign in: set ADMIN_EMAILS (and TEACHER_EMAIL_DOMAINS / STUDENT_EMAIL_DOMAINS), e.g.\n' +
      '    azd env set ADMIN_EMAILS it@example.edu\n    azd env set TEACHER_EMAIL_DOMAINS example.edu',
  );
}

const authProvider = env.AUTH_PROVIDER || 'local';
if (!['local', 'swa'].includes(authProvider)) problems.push(`AUTH_PROVIDER is "${authProvider}": use local or swa.`);
if (authProvider === 'local') {
  if (!env.SMTP_URL) {
    problems.push(
      'Sign-in codes are sent by email: set SMTP_URL (kept in Key Vault), e.g.\n' +
        "    azd env set SMTP_URL 'smtps://user:password@smtp.example.edu:465'",
    );
  } else if (!/^smtps?:\/\/[^/]/.test(env.SMTP_URL)) {
    problems.push('SMTP_URL must start with smtp:// or smtps://.');
  }
}

if (env.PUBLIC_URL && !env.PUBLIC_URL.startsWith('https://')) {
  problems.push(
    `PUBLIC_URL must be https (it is ${env.PUBLIC_URL}); leave it unset to use the Static Web App address.`,
  );
}

if (problems.length > 0) {
  console.error(`Not provisioning: ${problems.length === 1 ? 'one setting is' : 'some settings are'} missing.\n`);
  for (const problem of problems) console.error(`- ${problem}\n`);
  console.error('Then run azd up (or azd provision) again. docs/deploy.md explains each setting.');
  process.exit(1);
}
console.log('[preflight] settings for sign-in are present.');
