import { useState } from 'preact/hooks';
import { signIn, type Session } from '../api-client.ts';

/** The admin password printed by `weft start`, or an API token from `weft tokens create`. */
export function SignIn({ onSignedIn }: { onSignedIn(session: Session): void }) {
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

  return (
    <main class="sign-in">
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">Sign in to Weft</h1>
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
    </main>
  );
}
