import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createSqliteStore } from '../../store/sqlite/sqlite-store.ts';
import { runWeft, tempDir } from '../testing.ts';

/** A project whose engine has run once: the commands below refuse to create a database. */
async function projectWithDatabase(): Promise<string> {
  const dir = tempDir();
  await createSqliteStore({ path: join(dir, 'weft.db') }).close();
  return dir;
}

/** Each command is its own process on one database file, as an operator runs them. */
async function weft(dir: string, ...args: string[]) {
  return runWeft([...args, '--db', join(dir, 'weft.db')], { cwd: dir, env: { NO_COLOR: '1' } });
}

describe('weft xref', () => {
  it('links two ids, finds the record from either, lists it, and unlinks one', { timeout: 60_000 }, async () => {
    const dir = await projectWithDatabase();
    const set = await weft(dir, 'xref', 'set', 'customer', 'shopify:7001', 'netsuite:3345', '--json');
    assert.equal(set.code, 0, set.stderr);
    const linked = JSON.parse(set.stdout) as { entity: string; links: Array<{ system: string; id: string }> };
    assert.equal(linked.entity, 'customer');
    assert.deepEqual(linked.links.map((link) => `${link.system}:${link.id}`).sort(), ['netsuite:3345', 'shopify:7001']);

    const fromOtherSide = await weft(dir, 'xref', 'get', 'customer', 'netsuite:3345');
    assert.equal(fromOtherSide.code, 0, fromOtherSide.stderr);
    assert.match(fromOtherSide.stdout, /shopify\s+7001/);

    const listed = await weft(dir, 'xref', 'list', '--entity', 'customer', '--json');
    assert.equal((JSON.parse(listed.stdout) as unknown[]).length, 1);

    const unlinked = await weft(dir, 'xref', 'unlink', 'customer', 'shopify:7001');
    assert.equal(unlinked.code, 0, unlinked.stderr);
    assert.equal(unlinked.stdout, 'unlinked shopify customer 7001\n');
  });

  it('refuses a link that would give a system two ids, naming the link in the way and the command that takes it out', { timeout: 60_000 }, async () => {
    const dir = await projectWithDatabase();
    assert.equal((await weft(dir, 'xref', 'set', 'customer', 'shopify:7001', 'netsuite:3345')).code, 0);
    const group = (JSON.parse((await weft(dir, 'xref', 'get', 'customer', 'shopify:7001', '--json')).stdout) as { group: string }).group;
    const refused = await weft(dir, 'xref', 'set', 'customer', 'shopify:7001', 'netsuite:9999');
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      `weft: shopify customer 7001 is already linked to netsuite customer 3345 in cross-reference group ${group}, so it cannot also be netsuite customer 9999. ` +
        'If netsuite customer 3345 is the wrong one, take it out with `weft xref unlink customer netsuite:3345`, then set it again\n',
    );
    // The command it names, run as written, lets the link through.
    const command = /`weft (xref unlink [^`]+)`/.exec(refused.stderr)![1]!.split(' ');
    assert.equal((await weft(dir, ...command)).code, 0);
    const linked = await weft(dir, 'xref', 'set', 'customer', 'shopify:7001', 'netsuite:9999', '--json');
    assert.equal(linked.code, 0, linked.stderr);
    assert.deepEqual((JSON.parse(linked.stdout) as { links: Array<{ system: string; id: string }> }).links.map((link) => `${link.system}:${link.id}`).sort(), ['netsuite:9999', 'shopify:7001']);
  });

  it('an id linked to nothing is an error, exit 1, with --json too (a script reads the exit status)', { timeout: 60_000 }, async () => {
    const dir = await projectWithDatabase();
    for (const json of [[], ['--json']]) {
      const got = await weft(dir, 'xref', 'get', 'customer', 'shopify:404', ...json);
      assert.equal(got.code, 1, `with ${json.join(' ') || 'no flags'}: ${got.stdout}`);
      assert.equal(got.stdout, '');
      assert.equal(got.stderr, 'weft: shopify customer 404 is not linked to anything\n');
    }
  });

  it('refuses an id without its system and an entity that is not canonical, changing nothing', { timeout: 60_000 }, async () => {
    const dir = await projectWithDatabase();
    const noSystem = await weft(dir, 'xref', 'set', 'customer', '7001', 'netsuite:3345');
    assert.equal(noSystem.code, 1);
    assert.equal(noSystem.stderr, "weft: '7001' is not <system>:<id>, e.g. shopify:7001\n");
    const notCanonical = await weft(dir, 'xref', 'get', 'widget', 'shopify:1');
    assert.equal(notCanonical.code, 1);
    assert.match(notCanonical.stderr, /^weft: 'widget' is not a canonical entity; one of: /);
    const listed = await weft(dir, 'xref', 'list', '--json');
    assert.deepEqual(JSON.parse(listed.stdout), []);
  });
});
