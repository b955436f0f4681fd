import { useState } from 'preact/hooks';
import { signIn, type Session } from '../api-client.ts';

/**
 * The admin password printed by `weft start`, or an API token from `weft tokens create`. With
 * `sessionEnded` it is a dialog over the console, whose screens stay as the operator left them.
 */
export function SignIn({ onSignedIn, sessionEnded = false }: { onSignedIn(session: Session): void; sessionEnded?: boolean }) {
  const [method, setMethod] = useState<'password' | 'token'>('password');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(method === 'password' ? { password: secret } : { token: secret.trim() }));
    } catch (failure) {
      setError((failure as Error).message);
      setBusy(false);
    }
  };

  const form = (
    <form onSubmit={submit} aria-labelledby="sign-in-title" class={sessionEnded ? 'dialog' : undefined}>
      <h1 id="sign-in-title">{sessionEnded ? 'Your session has ended' : 'Sign in to Weft'}</h1>
      {sessionEnded ? <p>Sign in again to carry on. This page stays as you left it, edits included; an action the engine refused was not carried out.</p> : null}
      <fieldset>
        <legend>Sign in with</legend>
        <label>
          <input type="radio" name="method" checked={method === 'password'} onChange={() => setMethod('password')} /> Admin password
        </label>
        <label>
          <input type="radio" name="method" checked={method === 'token'} onChange={() => setMethod('token')} /> API token
        </label>
      </fieldset>
      <label class="field">
        {method === 'password' ? 'Password' : 'Token'}
        <input
          type="password"
          autoComplete={method === 'password' ? 'current-password' : 'off'}
          value={secret}
          onInput={(event) => setSecret(event.currentTarget.value)}
          required
          autoFocus
        />
      </label>
      <p class="muted">
        {method === 'password' ? (
          <>
            <code>weft start</code> prints a generated admin password at first start, or set <code>WEFT_ADMIN_PASSWORD</code>.
          </>
        ) : (
          <>
            Create one with <code>weft tokens create --role viewer|operator|admin</code>.
          </>
        )}
      </p>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" class="primary" disabled={busy}>
        Sign in
      </button>
    </form>
  );
  if (!sessionEnded) return <main class="sign-in">{form}</main>;
  return (
    <div class="overlay sign-in-again" role="dialog" aria-modal="true" aria-labelledby="sign-in-title">
      {form}
    </div>
  );
}
