/** Sign-in: email, then the 6-digit code from the email; returns to where the user was going. */
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { ErrorNotice } from '../../../components/notice';
import { loadDeviceKey } from '../../../lib/device-key';
import { useMe } from '../api/me';
import { useRequestCode, useVerifyCode } from '../api/sign-in';
import { safeNext } from '../lib/safe-next';

export function SignInPage() {
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const navigate = useNavigate();
  const me = useMe();
  const [email, setEmail] = useState('');
  const [code, setCode] = useState('');
  const [step, setStep] = useState<'email' | 'code'>('email');
  const requestCode = useRequestCode();
  const verify = useVerifyCode();
  const codeInput = useRef<HTMLInputElement>(null);
  const emailId = useId();
  const codeId = useId();

  useEffect(() => {
    if (step === 'code') codeInput.current?.focus();
  }, [step]);
  // This device's key is made (first visit) while the person types, so signing in does not wait for it.
  useEffect(() => void loadDeviceKey(), []);

  if (me.data) return <Navigate to={next} replace />;

  const sendCode = (event: FormEvent) => {
    event.preventDefault();
    requestCode.mutate(email.trim(), { onSuccess: () => setStep('code') });
  };
  const signIn = (event: FormEvent) => {
    event.preventDefault();
    verify.mutate(
      { email: email.trim(), code: code.trim() },
      { onSuccess: () => void navigate(next, { replace: true }) },
    );
  };

  return (
    <main className="page narrow">
      <h1>Sign in</h1>
      {next.startsWith('/join/') && <p className="lead">Sign in to join the class. You will come straight back.</p>}
      {step === 'email' ? (
        <form onSubmit={sendCode} className="stack">
          <label htmlFor={emailId}>Email</label>
          <input
            id={emailId}
            type="email"
            inputMode="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
          <button type="submit" className="primary" disabled={requestCode.isPending}>
            {requestCode.isPending ? 'Sending…' : 'Send code'}
          </button>
          <ErrorNotice error={requestCode.error} />
        </form>
      ) : (
        <form onSubmit={signIn} className="stack">
          <p aria-live="polite">
            We sent a 6-digit code to <strong>{email}</strong>. It works for 5 minutes.
          </p>
          <label htmlFor={codeId}>Code</label>
          <input
            id={codeId}
            ref={codeInput}
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9]{6}"
            maxLength={6}
            required
            value={code}
            onChange={(e) => setCode(e.target.value.replace(/\D/g, ''))}
          />
          <button type="submit" className="primary" disabled={verify.isPending || code.length !== 6}>
            {verify.isPending ? 'Signing in…' : 'Sign in'}
          </button>
          <ErrorNotice error={verify.error} />
          <button
            type="button"
            className="link"
            onClick={() => {
              setStep('email');
              setCode('');
              verify.reset();
            }}
          >
            Use another email or get a new code
          </button>
        </form>
      )}
    </main>
  );
}
