import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtInSandboxes, type BuiltInSandbox } from '@weft/connectors';
import { generateMasterKey } from '../../connectors/vault/master-key.ts';
import { runWeft, tempDir } from '../testing.ts';

const CANARY_KEY = 'sk_test_canary_4d1f0b7e9a';

describe('weft connections, secrets and vault', () => {
  let dir: string;
  let db: string;
  let sandbox: BuiltInSandbox;
  const env = () => ({ WEFT_MASTER_KEY: masterKey, STRIPE_KEY: sandbox.credentials.token!, WEFT_EGRESS_ALLOW: '127.0.0.1', WEFT_LOG_LEVEL: 'trace' });
  const masterKey = generateMasterKey();
  before(async () => {
    dir = tempDir();
    db = join(dir, 'weft.db');
    sandbox = await builtInSandboxes.stripe!();
  });
  after(() => sandbox.close());

  it('refuses bad input with a clear error and writes nothing', async () => {
    const inline = await runWeft(['connections', 'add', 'stripe', '--connector', 'stripe', '--secret', `token=${CANARY_KEY}`, '--db', db], { cwd: dir, env: env() });
    assert.equal(inline.code, 1);
    assert.match(inline.stderr, /give secret 'token' as token=env:VARIABLE or token=file:PATH, never the value itself/);
    assert.doesNotMatch(inline.stderr + inline.stdout, new RegExp(CANARY_KEY));

    const missing = await runWeft(['connections', 'add', 'stripe', '--connector', 'stripe', '--db', db], { cwd: dir, env: env() });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /needs the secret token: --secret token=env:VAR/);

    const unknown = await runWeft(['connections', 'add', 'x', '--connector', 'nope', '--db', db], { cwd: dir, env: env() });
    assert.match(unknown.stderr, /no connector 'nope'; known: .*stripe/);

    const list = await runWeft(['connections', 'list', '--json', '--db', db], { cwd: dir, env: env() });
    assert.deepEqual(JSON.parse(list.stdout), []);
  });

  it('adds, lists (names only), tests and removes a connection; the key never appears in clear', async () => {
    const add = await runWeft(
      ['connections', 'add', 'stripe', '--connector', 'stripe', '--set', `baseUrl=${sandbox.url}`, '--secret', 'token=env:STRIPE_KEY', '--db', db],
      { cwd: dir, env: env() },
    );
    assert.equal(add.code, 0, add.stderr);
    const list = await runWeft(['connections', 'list', '--json', '--db', db], { cwd: dir, env: env() });
    const [row] = JSON.parse(list.stdout);
    assert.deepEqual({ id: row.id, connectorId: row.connectorId, secrets: row.secrets }, { id: 'stripe', connectorId: 'stripe', secrets: ['token'] });

    const test = await runWeft(['connections', 'test', 'stripe', '--db', db], { cwd: dir, env: env() });
    assert.equal(test.code, 0, test.stderr);
    assert.match(test.stdout, /connection stripe works: list-customers answered HTTP 200/);

    writeFileSync(join(dir, 'wrong-key'), 'sk_test_wrong');
    await runWeft(['connections', 'add', 'bad', '--connector', 'stripe', '--set', `baseUrl=${sandbox.url}`, '--secret', 'token=file:wrong-key', '--db', db], { cwd: dir, env: env() });
    const refused = await runWeft(['connections', 'test', 'bad', '--db', db], { cwd: dir, env: env() });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /connection bad failed: .*\(HTTP 401\)/);

    const secrets = await runWeft(['secrets', 'set', 'SHOP_SECRET=env:STRIPE_KEY', '--db', db], { cwd: dir, env: env() });
    assert.equal(secrets.code, 0, secrets.stderr);
    const names = await runWeft(['secrets', 'list', '--json', '--db', db], { cwd: dir, env: env() });
    assert.deepEqual(JSON.parse(names.stdout), ['SHOP_SECRET']);

    const key = sandbox.credentials.token!;
    for (const result of [add, list, test, refused, secrets, names]) assert.equal((result.stdout + result.stderr).includes(key), false, 'CLI output holds the key');
    for (const file of readdirSync(dir).filter((name) => name.startsWith('weft.db'))) {
      assert.equal(readFileSync(join(dir, file)).includes(key), false, `${file} holds the key in clear`);
    }

    const removed = await runWeft(['connections', 'remove', 'stripe', '--db', db], { cwd: dir, env: env() });
    assert.equal(removed.code, 0, removed.stderr);
    const again = await runWeft(['connections', 'remove', 'stripe', '--db', db], { cwd: dir, env: env() });
    assert.match(again.stderr, /no connection 'stripe'/);
  });

  it('needs a master key before it stores a secret', async () => {
    const result = await runWeft(['secrets', 'set', 'X=env:STRIPE_KEY', '--db', db], { cwd: dir, env: { ...env(), WEFT_MASTER_KEY: '' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /secrets need a master key: set WEFT_MASTER_KEY/);
  });
});
