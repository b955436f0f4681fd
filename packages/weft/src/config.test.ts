import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, configReferenceMarkdown, envVarName, loadConfig, retentionMs } from './config.ts';

const tempDirs: string[] = [];
process.once('exit', () => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function tempDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'weft-config-'));
  tempDirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('loadConfig', () => {
  it('gives the documented defaults, with paths resolved against cwd', () => {
    const cwd = tempDir();
    const config = loadConfig({ cwd, env: {} });
    assert.deepEqual(config, {
      host: '127.0.0.1',
      port: 8787,
      db: join(cwd, '.weft/weft.db'),
      database: '',
      databasePoolSize: 10,
      flows: [join(cwd, 'flows')],
      leaseMs: 30_000,
      workerConcurrency: 32,
      pollIntervalMs: 250,
      maxBodyBytes: 1_048_576,
      mappingBudgetMs: 1000,
      sqliteSynchronous: 'full',
      auditBodyBytes: 65_536,
      redactFields: ['password', 'secret', 'token', 'apiKey', 'cardNumber', 'cvc'],
      egressAllow: [],
      logLevel: 'info',
      shutdownTimeoutMs: 30_000,
      adminPassword: '',
      adminSessionTtlMs: 8 * 60 * 60 * 1000,
      alerts: [],
      alertEvaluationSeconds: 30,
      retentionRuns: '30d',
      retentionCalls: '30d',
    });
  });

  it('reads retention as durations or off, from the file and the environment', () => {
    const cwd = tempDir({ 'weft.config.yaml': 'retentionRuns: 90d\nretentionCalls: 36h\n' });
    const config = loadConfig({ cwd, env: {} });
    assert.deepEqual([retentionMs(config.retentionRuns), retentionMs(config.retentionCalls)], [90 * 86_400_000, 36 * 3_600_000]);
    const off = loadConfig({ cwd, env: { WEFT_RETENTION_RUNS: 'off', WEFT_RETENTION_CALLS: '7d' } });
    assert.deepEqual([retentionMs(off.retentionRuns), off.retentionCalls], [undefined, '7d']);
  });

  it('reads the PostgreSQL URL from WEFT_DATABASE_URL and refuses one of another scheme', () => {
    const url = 'postgres://weft:secret@db.internal:5432/weft';
    assert.equal(loadConfig({ cwd: tempDir(), env: { WEFT_DATABASE_URL: url } }).database, url);
    assert.throws(() => loadConfig({ cwd: tempDir(), env: { WEFT_DATABASE_URL: 'mysql://db/weft' } }), /WEFT_DATABASE_URL: database must be a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  it('applies defaults < file < environment < overrides', () => {
    const cwd = tempDir({ 'weft.config.yaml': 'port: 9000\nhost: 0.0.0.0\nleaseMs: 5000\nworkerConcurrency: 4\n' });
    const config = loadConfig({
      cwd,
      env: { WEFT_PORT: '9100', WEFT_LEASE_MS: '6000' },
      overrides: { port: 0 },
    });
    assert.equal(config.port, 0);
    assert.equal(config.leaseMs, 6000);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.workerConcurrency, 4);
    assert.equal(config.pollIntervalMs, 250);
  });

  it('parses comma lists and enums from the environment, and treats empty variables as unset', () => {
    const cwd = tempDir();
    const config = loadConfig({
      cwd,
      env: {
        WEFT_FLOWS: './a, /abs/b,',
        WEFT_REDACT_FIELDS: 'password,cardNumber',
        WEFT_SQLITE_SYNCHRONOUS: 'normal',
        WEFT_HOST: '',
        WEFT_DEBUG: '1',
      },
    });
    assert.deepEqual(config.flows, [join(cwd, 'a'), '/abs/b']);
    assert.deepEqual(config.redactFields, ['password', 'cardNumber']);
    assert.equal(config.sqliteSynchronous, 'normal');
    assert.equal(config.host, '127.0.0.1');
  });

  it('resolves file paths against the config file folder, and keeps :memory:', () => {
    const cwd = tempDir({ 'conf/weft.yaml': 'db: data/weft.db\nflows: [flows, /srv/flows]\n' });
    const config = loadConfig({ cwd, env: {}, configPath: 'conf/weft.yaml' });
    assert.equal(config.db, join(cwd, 'conf/data/weft.db'));
    assert.deepEqual(config.flows, [join(cwd, 'conf/flows'), '/srv/flows']);
    assert.equal(loadConfig({ cwd, env: { WEFT_DB: ':memory:' } }).db, ':memory:');
  });

  it('accepts an empty config file', () => {
    const cwd = tempDir({ 'weft.config.yaml': '# nothing set yet\n' });
    assert.equal(loadConfig({ cwd, env: {} }).port, 8787);
  });

  describe('rejects invalid configuration with the source of the bad value', () => {
    const cases: Array<{ name: string; file?: string; env?: Record<string, string>; overrides?: object; configPath?: string; message: RegExp }> = [
      { name: 'a mistyped value, at its line and column', file: 'host: localhost\nport: eighty\n', message: /^weft\.config\.yaml:2:7: port must be an integer from 0 to 65535; got "eighty"$/ },
      { name: 'an out-of-range value', file: 'port: 70000\n', message: /^weft\.config\.yaml:1:7: port must be an integer from 0 to 65535; got 70000$/ },
      { name: 'an unknown key, with a suggestion', file: 'port: 1\nleaseMS: 100\n', message: /^weft\.config\.yaml:2:1: unknown setting "leaseMS" \(did you mean "leaseMs"\?\)$/ },
      { name: 'a YAML syntax error', file: 'port: 1\nport: 2\n', message: /^weft\.config\.yaml:2:1: Map keys must be unique/ },
      { name: 'a file that is not a mapping', file: '- port\n', message: /^weft\.config\.yaml:1:1: expected a mapping/ },
      { name: 'a bad enum', file: 'sqliteSynchronous: off\n', message: /sqliteSynchronous must be one of full, normal; got "off"/ },
      { name: 'an empty flow list', file: 'flows: []\n', message: /flows must be a non-empty list/ },
      { name: 'a bad environment variable, by name', env: { WEFT_LEASE_MS: '30s' }, message: /^WEFT_LEASE_MS: leaseMs must be an integer ≥ 1000; got "30s"$/ },
      { name: 'a fractional integer', env: { WEFT_WORKER_CONCURRENCY: '1.5' }, message: /^WEFT_WORKER_CONCURRENCY: / },
      { name: 'a bad override, by flag', overrides: { port: -1 }, message: /^--port: port must be/ },
      {
        name: 'a run retention shorter than vendors redeliver webhooks',
        file: 'retentionRuns: 3d\n',
        message: /^weft\.config\.yaml:1:16: retentionRuns must be at least 7d, or off: a vendor's webhook redelivered after its event was deleted would be run again .*; got "3d"$/,
      },
      { name: 'a calls retention shorter than the prune interval', env: { WEFT_RETENTION_CALLS: '30m' }, message: /^WEFT_RETENTION_CALLS: retentionCalls must be at least 1h, or off/ },
      { name: 'a retention that is no duration', file: 'retentionCalls: forever\n', message: /retentionCalls must be a duration such as 30d or 12h, or off; got "forever"$/ },
      { name: 'a missing explicit config file', configPath: 'nope.yaml', message: /^config file not found: .*nope\.yaml$/ },
    ];
    for (const testCase of cases) {
      it(testCase.name, () => {
        const cwd = tempDir(testCase.file === undefined ? {} : { 'weft.config.yaml': testCase.file });
        assert.throws(
          () =>
            loadConfig({
              cwd,
              env: testCase.env ?? {},
              overrides: testCase.overrides as never,
              ...(testCase.configPath === undefined ? {} : { configPath: testCase.configPath }),
            }),
          (error: unknown) => {
            assert.ok(error instanceof ConfigError);
            assert.match(error.message, testCase.message);
            return true;
          },
        );
      });
    }
  });

  it('derives environment variable names from keys', () => {
    assert.equal(envVarName('workerConcurrency'), 'WEFT_WORKER_CONCURRENCY');
    assert.equal(envVarName('maxBodyBytes'), 'WEFT_MAX_BODY_BYTES');
  });
});

describe('docs/reference/config.md', () => {
  it('is generated from the schema (run `npm run gen` after changing it)', () => {
    const path = new URL('../../../docs/reference/config.md', import.meta.url);
    assert.equal(readFileSync(path, 'utf8'), configReferenceMarkdown());
  });
});
