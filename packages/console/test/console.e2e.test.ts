/**
 * The console in a real browser: Debian's Chromium driven by playwright-core, against an
 * in-process Weft (real HTTP, real SQLite) and the ERP sandbox. An operator signs in, finds the
 * order the ERP refused, fixes its SKU in the JSON editor, reviews the diff and replays it; the
 * ERP must then hold that order exactly once. Every screen is photographed on the way.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Dialog, type Page } from 'playwright-core';
import { startErp, type Erp } from '../../weft/src/demo/erp.ts';
import { deliverOrder, makeOrder } from '../../weft/src/demo/shop.ts';
import { settledRuns, startTestWeft } from '../../weft/test/support/weft-harness.ts';
import { waitFor } from '../../weft/test/support/engine-process.ts';

const CHROMIUM = '/usr/bin/chromium';
// As root on a closed network: no sandbox, and none of Chromium's own background connections.
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SECRET = 'console-e2e-secret';
const ADMIN_PASSWORD = 'console-e2e-password';
const FLOW_ID = 'shop-orders';

const flowYaml = `id: ${FLOW_ID}
trigger:
  webhook:
    path: shop/orders
    signature: { scheme: shopify, secret: "\${env:CONSOLE_E2E_SECRET}" }
    dedupeKey: trigger.headers."x-shopify-webhook-id"
orderingKey: $string(trigger.body.id)
retry: { maxAttempts: 3, initialDelay: 100ms, maxDelay: 200ms }
steps:
  - id: salesOrder
    map: '{ "externalId": $string(trigger.body.order_number), "lines": [trigger.body.line_items.{ "sku": sku, "quantity": quantity, "unitPrice": $number(price) }] }'
  - id: createSalesOrder
    call:
      url: \${env:ERP_URL}/api/sales-orders
      body: steps.salesOrder
      destination: The ERP
      describe: '"order " & $string(trigger.body.order_number)'
`;

/** Every run of a flow, whatever its status. */
function runTotal(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`;

describe('console in a real browser', { skip }, () => {
  let erp: Erp;
  let weft: Awaited<ReturnType<typeof startTestWeft>>;
  let context: BrowserContext;
  let page: Page;
  const profile = mkdtempSync(join(tmpdir(), 'weft-chromium-'));
  const screenshots = mkdtempSync(join(tmpdir(), 'weft-console-screens-'));
  const pageProblems: string[] = [];
  const saved: string[] = [];

  const shoot = async (name: string) => {
    // A full-page capture keeps the scroll offset, which would leave the sticky sidebar mid-page.
    await page.evaluate(() => window.scrollTo(0, 0));
    const path = join(screenshots, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    saved.push(path);
  };

  before(async () => {
    // The engine serves what was built: build the console from the sources under test.
    const build = spawnSync('npm', ['run', 'build', '-w', '@weft/console'], { cwd: REPO, encoding: 'utf8' });
    assert.equal(build.status, 0, `the console did not build:\n${build.stdout}\n${build.stderr}`);
    erp = await startErp();
    process.env.ERP_URL = erp.url;
    process.env.CONSOLE_E2E_SECRET = SECRET;
    weft = await startTestWeft(
      { 'shop-orders.yaml': flowYaml },
      {
        overrides: { adminPassword: ADMIN_PASSWORD },
        // A connection no flow uses yet: the Connections screen lists it with its declared limits.
        prepare: (store) => store.connections.put({ id: 'payments', connectorId: 'stripe', config: { baseUrl: 'http://127.0.0.1:9' }, now: Date.now() }),
      },
    );
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: { width: 1440, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') pageProblems.push(`console error: ${message.text()}`);
    });
  });

  after(async () => {
    await context?.close();
    await weft?.close();
    await erp?.close();
    rmSync(profile, { recursive: true, force: true });
    console.log(`screenshots: ${screenshots}`);
    for (const path of saved) console.log(`  ${path}`);
  });

  it('fixes the SKU of a refused order in the inbox, replays it, and the ERP gets it exactly once', { timeout: 60_000 }, async (t) => {
    t.diagnostic(`screenshots: ${screenshots}`);
    const hookUrl = `${weft.url}/hooks/shop/orders`;
    for (const n of [1, 2, 3]) await deliverOrder({ hookUrl, secret: SECRET, order: makeOrder(n), webhookId: `console-${n}`, nowMs: Date.now() });
    const refused = makeOrder(4, { badSku: true });
    const externalId = String(refused.order_number);
    await deliverOrder({ hookUrl, secret: SECRET, order: refused, webhookId: 'console-4', nowMs: Date.now() });
    const counts = await settledRuns(weft, FLOW_ID, 4);
    assert.equal(counts.exception, 1, 'the order with the unknown SKU became an exception');
    assert.equal(erp.stats().creationsPerOrder[externalId], undefined, 'the ERP refused it');

    // Sign in with the admin password.
    await page.goto(`${weft.url}/`);
    await page.getByRole('radio', { name: 'Admin password' }).check();
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_PASSWORD);
    await shoot('01-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('status', { name: /Live updates on/ }).waitFor();
    await shoot('02-overview');

    // The inbox groups the exception by reason and flow; open it from the list.
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Exceptions' }).click();
    await page.getByRole('table', { name: 'Exception groups' }).getByRole('row', { name: /validation.*shop-orders.*1/ }).waitFor();
    const row = page.getByRole('table', { name: 'Open exceptions' }).getByRole('row', { name: /SKU 'ABC-9' does not exist/ });
    await row.waitFor();
    await shoot('03-exceptions-inbox');
    await row.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: /The ERP rejected order .*ABC-9/ }).waitFor();
    await page.getByRole('region', { name: 'Response' }).getByText(/ABC-9/).first().waitFor();
    await shoot('04-exception-detail');

    // Edit the SKU in the JSON editor, see exactly that line change, replay.
    const editor = page.getByRole('textbox', { name: 'Input JSON' });
    const original = await editor.inputValue();
    assert.match(original, /"sku": "ABC-9"/);
    await editor.fill(original.replace('"sku": "ABC-9"', '"sku": "CAP-BLACK"'));
    const diff = page.getByRole('region', { name: 'Changes to the input' });
    await diff.waitFor();
    assert.equal(await diff.locator('.diff-removed').count(), 1);
    assert.equal(await diff.locator('.diff-added').count(), 1);
    assert.match(await diff.locator('.diff-removed').innerText(), /"sku": "ABC-9"/);
    assert.match(await diff.locator('.diff-added').innerText(), /"sku": "CAP-BLACK"/);
    await shoot('05-exception-edit-diff');
    await page.getByRole('button', { name: 'Replay with edited input' }).click();
    await page.getByRole('status').filter({ hasText: 'Replayed with the edited input as run' }).waitFor();

    await waitFor(() => erp.stats().creationsPerOrder[externalId] === 1, 10_000, 'the replayed order at the ERP');
    const settled = await settledRuns(weft, FLOW_ID, 4);
    assert.equal(settled.succeeded, 4);
    assert.equal(settled.exception, 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(erp.stats().creationsPerOrder[externalId], 1, 'exactly once, also after the dust settles');
    assert.equal(erp.stats().duplicateCreations, 0);
    assert.deepEqual(
      (await weft.store.listExceptions({ flowId: FLOW_ID })).map((e) => e.status),
      ['replayed'],
    );

    // The replayed run's timeline shows both calls: the refused one and the one that worked.
    await page.getByRole('status').getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: /Run/ }).waitFor();
    const timeline = page.getByRole('list', { name: 'Run timeline' });
    await timeline.getByText('completed').waitFor();
    assert.equal(await timeline.locator('.call').count(), 2);
    await shoot('06-run-timeline');

    // Runs: `/` focuses the search (the server searches ordering keys), j moves to a row, Enter opens it.
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Runs' }).click();
    const runs = page.getByRole('table', { name: 'Runs' });
    await runs.waitFor();
    assert.equal(await runs.locator('tbody tr').count(), 4);
    await shoot('07-runs');
    await page.locator('main').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('/');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.closest('label')?.textContent), 'Search runs');
    await page.keyboard.type(String(refused.id));
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/runs\?q=/);
    // The unfiltered rows stay until the search's answer replaces them.
    await waitFor(async () => (await runs.locator('tbody tr').count()) === 1, 10_000, 'only the run of that order');
    await page.locator('main').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('j');
    await page.keyboard.press('Enter');
    await page.getByRole('list', { name: 'Run timeline' }).getByText('completed').waitFor();

    // `g` + a letter opens each remaining screen; each is photographed once its data is there.
    const screens = [
      { key: 'f', heading: 'Flows', name: '08-flows', ready: () => page.getByRole('table', { name: 'Flows' }).getByRole('row', { name: /shop-orders.*webhook/ }) },
      { key: 'c', heading: 'Connections', name: '09-connections', ready: () => page.getByRole('table', { name: 'Connections' }).getByRole('row', { name: /payments.*stripe.*unknown/ }) },
      { key: 'x', heading: 'Cross-references', name: '10-xref', ready: () => page.getByText(/No cross-references yet/) },
      { key: 'a', heading: 'Audit', name: '11-audit', ready: () => page.getByRole('table', { name: 'Audit log' }).getByRole('row', { name: /admin.*exception\.replay/ }) },
    ];
    for (const screen of screens) {
      await page.locator('main').click({ position: { x: 5, y: 5 } });
      await page.keyboard.press('g');
      await page.keyboard.press(screen.key);
      await page.getByRole('heading', { level: 1, name: screen.heading }).waitFor();
      await screen.ready().waitFor();
      await shoot(screen.name);
    }

    // An admin switches the flow off (its webhooks answer 503) and on again.
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Flows' }).click();
    await page.getByRole('button', { name: 'Disable flow shop-orders' }).click();
    await page.getByRole('button', { name: 'Enable flow shop-orders' }).waitFor();
    const refusedWhileOff = await deliverOrder({ hookUrl, secret: SECRET, order: makeOrder(9), webhookId: 'console-off', nowMs: Date.now() });
    assert.equal(refusedWhileOff.status, 503);
    await page.getByRole('button', { name: 'Enable flow shop-orders' }).click();
    await page.getByRole('button', { name: 'Disable flow shop-orders' }).waitFor();

    assert.deepEqual(pageProblems, [], 'the page logged no errors');
  });

  it('discards a filtered set of exceptions in bulk, with a comment and a progress bar', { timeout: 30_000 }, async () => {
    const hookUrl = `${weft.url}/hooks/shop/orders`;
    const bad = [makeOrder(5, { badSku: true }), makeOrder(6, { badSku: true })];
    for (const [index, order] of bad.entries()) await deliverOrder({ hookUrl, secret: SECRET, order, webhookId: `console-bulk-${index}`, nowMs: Date.now() });
    await settledRuns(weft, FLOW_ID, 6);
    const requestsBefore = erp.stats().requests;

    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Exceptions' }).click();
    await page.getByRole('link', { name: 'Show 2 validation exceptions of shop-orders' }).click();
    await page.getByRole('heading', { name: /Open validation exceptions of shop-orders/ }).waitFor();
    const bulk = page.getByRole('group', { name: 'Bulk actions' });
    await bulk.getByRole('button', { name: 'Discard all 2' }).click();
    await bulk.getByRole('alert').filter({ hasText: 'Say why' }).waitFor();
    await bulk.getByLabel('Comment').fill('test orders with a made-up SKU');
    page.once('dialog', (dialog) => void dialog.accept());
    await bulk.getByRole('button', { name: 'Discard all 2' }).click();
    await bulk.getByText('Discarded 2 of 2 — done').waitFor();
    assert.equal(await bulk.getByRole('progressbar', { name: 'Bulk progress' }).getAttribute('value'), '2');
    await shoot('12-exceptions-bulk-discard');

    const statuses = (await weft.store.listExceptions({ flowId: FLOW_ID })).map((e) => e.status).sort();
    assert.deepEqual(statuses, ['discarded', 'discarded', 'replayed']);
    assert.equal(erp.stats().requests, requestsBefore, 'discarding sends nothing');
    await page.getByText('No open exceptions here.').waitFor();
    assert.deepEqual(pageProblems, [], 'the page logged no errors');
  });

  it('a viewer signs in with an API token, lands on the page asked for, and can look but not act', { timeout: 30_000 }, async () => {
    const adminToken = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('weft.session') ?? '{}') as { token: string }).token);
    const created = await fetch(`${weft.url}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'night-shift', role: 'viewer' }),
    });
    assert.equal(created.status, 201);
    const { token } = (await created.json()) as { token: string };

    // A new tab has its own sessionStorage: nobody is signed in there.
    const viewer = await context.newPage();
    viewer.setDefaultTimeout(10_000);
    viewer.on('pageerror', (error) => pageProblems.push(`viewer page error: ${error.message}`));
    try {
      await viewer.goto(`${weft.url}/flows`);
      await viewer.getByRole('radio', { name: 'API token' }).check();
      await viewer.getByLabel('Token', { exact: true }).fill(token);
      await viewer.getByRole('button', { name: 'Sign in' }).click();
      await viewer.getByRole('heading', { level: 1, name: 'Flows' }).waitFor();
      await viewer.getByText('night-shift').waitFor();
      assert.ok(await viewer.getByRole('button', { name: 'Disable flow shop-orders' }).isDisabled(), 'only admins switch flows');

      const [replayed] = await weft.store.listExceptions({ flowId: FLOW_ID, status: 'replayed' });
      assert.ok(replayed);
      await viewer.goto(`${weft.url}/exceptions/${replayed.id}`);
      await viewer.getByRole('heading', { level: 1, name: /ABC-9/ }).waitFor();
      assert.equal(await viewer.getByRole('button', { name: /Replay|Discard/ }).count(), 0, 'a viewer gets no replay or discard');
      assert.equal(await viewer.getByRole('textbox', { name: 'Input JSON' }).getAttribute('readonly'), '');
    } finally {
      await viewer.close();
    }
    assert.deepEqual(pageProblems, [], 'the pages logged no errors');
  });

  it('goes live again after the stream was refused once, as by a proxy while the engine restarts', { timeout: 30_000 }, async () => {
    let answered = 0;
    const stream = `${weft.url}/api/v1/stream?**`;
    await page.route(stream, (route) => (answered++ === 0 ? route.fulfill({ status: 502, contentType: 'text/plain', body: 'Bad Gateway' }) : route.continue()));
    try {
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Exceptions' }).waitFor();
      await page.getByRole('status', { name: /Live updates on/ }).waitFor();
      assert.equal(answered, 2, 'refused once, then opened again');
    } finally {
      await page.unroute(stream);
    }
    // The browser reports the refused stream in the console itself: that one is expected.
    const unexpected = pageProblems.filter((problem) => !/stream|502|Bad Gateway|MIME type/i.test(problem));
    assert.deepEqual(unexpected, [], 'the page logged no other errors');
    pageProblems.length = 0;
  });

  it('a bulk discard acts on the set the operator confirmed: one closed and one arrived while the dialog was open leave the count as it was, and the new one is not touched', { timeout: 30_000 }, async () => {
    const hookUrl = `${weft.url}/hooks/shop/orders`;
    const runsBefore = runTotal(await weft.store.countRuns(FLOW_ID));
    const orders = [7, 8].map((n) => makeOrder(n, { badSku: true }));
    for (const order of orders) await deliverOrder({ hookUrl, secret: SECRET, order, webhookId: `console-set-${order.order_number}`, nowMs: Date.now() });
    await settledRuns(weft, FLOW_ID, runsBefore + 2);
    const exceptionOf = async (order: Record<string, unknown>) =>
      (await weft.store.listExceptions({ flowId: FLOW_ID })).find((e) => JSON.stringify(e.input).includes(`"id":${order.id}`))!;
    const [closedElsewhere, confirmed] = [await exceptionOf(orders[0]!), await exceptionOf(orders[1]!)];
    const arriving = makeOrder(10, { badSku: true });

    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Exceptions' }).click();
    await page.getByRole('link', { name: 'Show 2 validation exceptions of shop-orders' }).click();
    const bulk = page.getByRole('group', { name: 'Bulk actions' });
    await bulk.getByLabel('Comment').fill('test orders with a made-up SKU');
    // While the operator reads "Discard 2 …?", one of the two is handled elsewhere and a real
    // customer's order fails the same way: still 2 open, but not the 2 confirmed.
    page.once('dialog', async (dialog) => {
      assert.match(dialog.message(), /Discard 2 open exceptions/);
      await weft.store.discardException(closedElsewhere.id, Date.now(), 'handled by phone');
      await deliverOrder({ hookUrl, secret: SECRET, order: arriving, webhookId: 'console-set-10', nowMs: Date.now() });
      await settledRuns(weft, FLOW_ID, runsBefore + 3);
      await dialog.accept();
    });
    await bulk.getByRole('button', { name: 'Discard all 2' }).click();
    await bulk.getByText(/— done/).waitFor();
    assert.equal((await exceptionOf(arriving)).status, 'open', 'the one nobody saw is not swept in');
    assert.deepEqual([(await weft.store.getException(confirmed.id))?.status, (await weft.store.getException(confirmed.id))?.comment], ['discarded', 'test orders with a made-up SKU']);
    assert.equal((await weft.store.getException(closedElsewhere.id))?.comment, 'handled by phone', 'the one closed elsewhere is left as it was');
    await bulk.getByText('Discarded 1 of 1 — done; 1 no longer open, left as it was').waitFor();
    await bulk.getByRole('button', { name: 'Discard all 1' }).waitFor();
    assert.deepEqual(pageProblems, [], 'the page logged no errors');
  });

  it('a double click on a bulk action starts one job, not two', { timeout: 30_000 }, async () => {
    const hookUrl = `${weft.url}/hooks/shop/orders`;
    const runsBefore = runTotal(await weft.store.countRuns(FLOW_ID));
    await deliverOrder({ hookUrl, secret: SECRET, order: makeOrder(11, { badSku: true }), webhookId: 'console-double-11', nowMs: Date.now() });
    await settledRuns(weft, FLOW_ID, runsBefore + 1);
    const open = (await weft.store.listExceptions({ flowId: FLOW_ID, status: 'open' })).length;
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Exceptions' }).click();
    await page.getByRole('link', { name: `Show ${open} validation exceptions of shop-orders` }).click();
    const bulkUrl = `${weft.url}/api/v1/exceptions/bulk`;
    let started = 0;
    // As on a busy engine: the job's answer takes a moment, long enough for a second click.
    await page.route(bulkUrl, async (route) => {
      started += 1;
      await new Promise((resolve) => setTimeout(resolve, 300));
      await route.continue();
    });
    const accept = (dialog: Dialog) => void dialog.accept();
    page.on('dialog', accept);
    try {
      const bulk = page.getByRole('group', { name: 'Bulk actions' });
      await bulk.getByRole('button', { name: `Replay all ${open}` }).dblclick();
      // A replay job says Replayed (it once said Discarded: the API names actions exceptions.replay).
      await bulk.getByText(`Replayed ${open} of ${open} — done`).waitFor();
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(started, 1, 'one bulk job');
    } finally {
      page.off('dialog', accept);
      await page.unroute(bulkUrl);
    }
    assert.deepEqual(pageProblems, [], 'the page logged no errors');
  });

  it('an ended session asks to sign in again over the page, and the edit in the JSON editor survives it', { timeout: 30_000 }, async () => {
    const hookUrl = `${weft.url}/hooks/shop/orders`;
    const runsBefore = runTotal(await weft.store.countRuns(FLOW_ID));
    const order = makeOrder(12, { badSku: true });
    await deliverOrder({ hookUrl, secret: SECRET, order, webhookId: 'console-expiry-12', nowMs: Date.now() });
    await settledRuns(weft, FLOW_ID, runsBefore + 1);
    const [exception] = (await weft.store.listExceptions({ flowId: FLOW_ID, status: 'open' })).filter((e) => JSON.stringify(e.input).includes(`"id":${order.id}`));
    assert.ok(exception, 'the order became an exception');

    await page.goto(`${weft.url}/exceptions/${exception.id}`);
    const editor = page.getByRole('textbox', { name: 'Input JSON' });
    await editor.waitFor();
    await editor.fill((await editor.inputValue()).replace('"sku": "ABC-9"', '"sku": "CAP-BLACK"'));
    await page.getByRole('region', { name: 'Changes to the input' }).waitFor();

    // The session ends while the operator edits (it expired, or was signed out elsewhere).
    const token = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('weft.session') ?? '{}') as { token: string }).token);
    assert.equal((await fetch(`${weft.url}/api/v1/session`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })).status, 204);
    await page.getByRole('button', { name: 'Replay with edited input' }).click();
    const password = page.getByLabel('Password', { exact: true });
    await password.waitFor();
    const explained = await page.getByRole('dialog', { name: 'Your session has ended' }).isVisible();
    await shoot('13-session-ended');
    await password.fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await password.waitFor({ state: 'detached' });
    assert.match(await editor.inputValue(), /"sku": "CAP-BLACK"/, 'the edit is still there');
    assert.ok(explained, 'the operator was told why they must sign in again');
    await page.getByRole('button', { name: 'Replay with edited input' }).click();
    await page.getByRole('status').filter({ hasText: 'Replayed with the edited input as run' }).waitFor();
    await waitFor(() => erp.stats().creationsPerOrder[String(order.order_number)] === 1, 10_000, 'the edited order at the ERP');

    // The refused call shows in the browser's console as a failed load: that one is expected.
    const unexpected = pageProblems.filter((problem) => !/401/.test(problem));
    assert.deepEqual(unexpected, [], 'the page logged no other errors');
    pageProblems.length = 0;
  });

  it('the overview says when it can no longer refresh, instead of showing the last numbers as current', { timeout: 30_000 }, async () => {
    const hookUrl = `${weft.url}/hooks/shop/orders`;
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Overview' }).click();
    const tiles = page.getByRole('region', { name: 'Last hour' });
    await tiles.waitFor();
    const summary = `${weft.url}/api/v1/metrics/summary?**`;
    // As when the database is down: the engine answers, the store does not.
    await page.route(summary, (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        headers: { 'retry-after': '1' },
        body: JSON.stringify({ type: 'https://weft.dev/problems/store-unavailable', title: 'The store is unavailable', status: 503, detail: 'retry shortly', code: 'store-unavailable' }),
      }),
    );
    try {
      await deliverOrder({ hookUrl, secret: SECRET, order: makeOrder(13), webhookId: 'console-stale-13', nowMs: Date.now() });
      await page.getByRole('alert').filter({ hasText: /store is unavailable/ }).waitFor();
      assert.ok(await tiles.isVisible(), 'what was loaded stays on screen, marked as not current');
    } finally {
      await page.unroute(summary);
    }
    await deliverOrder({ hookUrl, secret: SECRET, order: makeOrder(14), webhookId: 'console-stale-14', nowMs: Date.now() });
    await page.getByRole('alert').filter({ hasText: /store is unavailable/ }).waitFor({ state: 'detached' });
    const unexpected = pageProblems.filter((problem) => !/503/.test(problem));
    assert.deepEqual(unexpected, [], 'the page logged no other errors');
    pageProblems.length = 0;
  });

  it('an exception someone else replayed meanwhile: the refused replay shows the exception as it now is', { timeout: 30_000 }, async () => {
    const hookUrl = `${weft.url}/hooks/shop/orders`;
    const runsBefore = runTotal(await weft.store.countRuns(FLOW_ID));
    const order = makeOrder(15, { badSku: true });
    await deliverOrder({ hookUrl, secret: SECRET, order, webhookId: 'console-409-15', nowMs: Date.now() });
    await settledRuns(weft, FLOW_ID, runsBefore + 1);
    const [exception] = (await weft.store.listExceptions({ flowId: FLOW_ID, status: 'open' })).filter((e) => JSON.stringify(e.input).includes(`"id":${order.id}`));
    assert.ok(exception);
    // Another engine process replays it: this page's live feed hears nothing of it.
    const stream = `${weft.url}/api/v1/stream?**`;
    await page.route(stream, (route) => route.abort());
    try {
      await page.goto(`${weft.url}/exceptions/${exception.id}`);
      const replay = page.getByRole('button', { name: 'Replay', exact: true });
      await replay.waitFor();
      const token = await page.evaluate(() => (JSON.parse(sessionStorage.getItem('weft.session') ?? '{}') as { token: string }).token);
      const elsewhere = await fetch(`${weft.url}/api/v1/exceptions/${exception.id}/replay`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      assert.equal(elsewhere.status, 200);
      await replay.click();
      await page.getByRole('alert').filter({ hasText: /already replayed/ }).waitFor();
      await page.locator('.facts').getByText('replayed', { exact: true }).waitFor();
      assert.equal(await page.getByRole('button', { name: /Replay|Discard/ }).count(), 0, 'nothing left to act on');
    } finally {
      await page.unroute(stream);
    }
    const unexpected = pageProblems.filter((problem) => !/409|stream|ERR_FAILED/i.test(problem));
    assert.deepEqual(unexpected, [], 'the page logged no other errors');
    pageProblems.length = 0;
  });

  it('list pages and the audit search are in the URL: Back from a run or an exception lands on the page it was opened from, and the audit keeps its search', { timeout: 60_000 }, async () => {
    const hookUrl = `${weft.url}/hooks/shop/orders`;
    const runsBefore = runTotal(await weft.store.countRuns(FLOW_ID));
    // More than one page of 50 runs.
    for (let n = 200; n < 255; n++) await deliverOrder({ hookUrl, secret: SECRET, order: makeOrder(n), webhookId: `console-pages-${n}`, nowMs: Date.now() });
    await settledRuns(weft, FLOW_ID, runsBefore + 55);

    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Runs' }).click();
    const runs = page.getByRole('table', { name: 'Runs' });
    const pager = page.getByRole('navigation', { name: 'Runs pages' });
    await pager.getByText('page 1').waitFor();
    const firstOnPageOne = await runs.locator('tbody tr').first().getByRole('link').innerText();
    await pager.getByRole('button', { name: 'Next page' }).click();
    await pager.getByText('page 2').waitFor();
    await waitFor(async () => (await runs.locator('tbody tr').first().getByRole('link').innerText()) !== firstOnPageOne, 10_000, 'the rows of page 2');
    const opened = runs.locator('tbody tr').first().getByRole('link');
    const openedId = await opened.innerText();
    await opened.click();
    await page.getByRole('heading', { level: 1, name: new RegExp(`Run ${openedId}`) }).waitFor();
    await page.goBack();
    await pager.getByText('page 2').waitFor();
    await runs.getByRole('link', { name: openedId }).waitFor();
    await page.reload();
    await runs.getByRole('link', { name: openedId }).waitFor();
    await pager.getByRole('button', { name: 'Previous page' }).click();
    await pager.getByText('page 1').waitFor();
    await runs.getByRole('link', { name: firstOnPageOne }).waitFor();

    // The same in the exceptions inbox.
    for (let n = 300; n < 351; n++) await deliverOrder({ hookUrl, secret: SECRET, order: makeOrder(n, { badSku: true }), webhookId: `console-pages-${n}`, nowMs: Date.now() });
    await settledRuns(weft, FLOW_ID, runsBefore + 55 + 51);
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Exceptions' }).click();
    const inbox = page.getByRole('table', { name: 'Open exceptions' });
    const inboxPager = page.getByRole('navigation', { name: 'Exceptions pages' });
    await inbox.waitFor();
    const firstOpen = await inbox.locator('tbody tr').first().getAttribute('aria-label');
    await inboxPager.getByRole('button', { name: 'Next page' }).click();
    await inboxPager.getByText('page 2').waitFor();
    await waitFor(async () => (await inbox.locator('tbody tr').first().getAttribute('aria-label')) !== firstOpen, 10_000, 'the rows of page 2');
    const openedException = inbox.locator('tbody tr').first();
    const openedMessage = (await openedException.getAttribute('aria-label'))!;
    await openedException.getByRole('link').click();
    await page.getByRole('textbox', { name: 'Input JSON' }).waitFor();
    await page.goBack();
    await inboxPager.getByText('page 2').waitFor();
    await inbox.getByRole('row', { name: openedMessage, exact: true }).waitFor();

    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Audit' }).click();
    const search = page.getByRole('search', { name: 'Search the audit log' });
    await search.getByLabel('Actor').fill('admin');
    await search.getByLabel('Action').fill('exception.replay');
    await search.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/\/audit\?actor=admin&action=exception.replay$/);
    const auditActions = () => page.getByRole('table', { name: 'Audit log' }).locator('tbody tr td:nth-child(4)').allInnerTexts();
    await waitFor(async () => (await auditActions()).every((action) => action === 'exception.replay'), 10_000, 'only replays in the audit');
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Runs' }).click();
    await runs.waitFor();
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Audit' }).waitFor();
    assert.equal(await search.getByLabel('Actor').inputValue(), 'admin');
    assert.equal(await search.getByLabel('Action').inputValue(), 'exception.replay');
    await page.getByRole('table', { name: 'Audit log' }).waitFor();
    const shown = await auditActions();
    assert.ok(shown.length > 0 && shown.every((action) => action === 'exception.replay'), `only replays, as searched: ${shown.join(', ')}`);
    assert.deepEqual(pageProblems, [], 'the page logged no errors');
  });

  it('a `g` pressed before focusing a field, or long before its letter, opens no screen', { timeout: 30_000 }, async () => {
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Runs' }).click();
    const runsHeading = page.getByRole('heading', { level: 1, name: 'Runs' });
    await runsHeading.waitFor();
    const stillOnRuns = async (what: string) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(await runsHeading.isVisible(), what);
      assert.equal(new URL(page.url()).pathname, '/runs', what);
    };
    const outsideFields = () => page.locator('main').click({ position: { x: 5, y: 5 } });

    // `g`, then the operator clicks into the search, thinks better of it and clicks away: an `f` now is only an `f`.
    await outsideFields();
    await page.keyboard.press('g');
    await page.getByRole('searchbox', { name: 'Search runs' }).click();
    await outsideFields();
    await page.keyboard.press('f');
    await stillOnRuns('a g before focusing a field is not armed after it');

    // `g`, and the letter a long while later.
    await outsideFields();
    await page.keyboard.press('g');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await page.keyboard.press('f');
    await stillOnRuns('a g long before its letter has lapsed');

    // The chord itself still works.
    await page.keyboard.press('g');
    await page.keyboard.press('f');
    await page.getByRole('heading', { level: 1, name: 'Flows' }).waitFor();
    assert.deepEqual(pageProblems, [], 'the page logged no errors');
  });

  it('a double click on a flow switch or a connection action sends one request, not two', { timeout: 30_000 }, async () => {
    const sent: Record<string, number> = {};
    // As on a busy engine: each answer takes a moment, long enough for a second click.
    const slow = (name: string) => async (route: Parameters<Parameters<Page['route']>[1]>[0]) => {
      sent[name] = (sent[name] ?? 0) + 1;
      await new Promise((resolve) => setTimeout(resolve, 300));
      await route.continue();
    };
    const watched = {
      disable: `${weft.url}/api/v1/flows/${FLOW_ID}/disable`,
      enable: `${weft.url}/api/v1/flows/${FLOW_ID}/enable`,
      test: `${weft.url}/api/v1/connections/payments/test`,
      connect: `${weft.url}/api/v1/connections/payments/authorize`,
    };
    for (const [name, url] of Object.entries(watched)) await page.route(url, slow(name));
    try {
      await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Flows' }).click();
      await page.getByRole('button', { name: `Disable flow ${FLOW_ID}` }).dblclick();
      await page.getByRole('button', { name: `Enable flow ${FLOW_ID}` }).dblclick();
      await page.getByRole('button', { name: `Disable flow ${FLOW_ID}` }).waitFor();

      await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Connections' }).click();
      await page.getByRole('button', { name: 'Test connection payments' }).dblclick();
      await page.getByRole('status').filter({ hasText: /payments: / }).waitFor();
      await page.getByRole('button', { name: 'Connect payments with OAuth' }).dblclick();
      await page.getByRole('status').filter({ hasText: /Not an OAuth 2 connection/ }).waitFor();
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(sent, { disable: 1, enable: 1, test: 1, connect: 1 });
    } finally {
      for (const url of Object.values(watched)) await page.unroute(url);
    }
    assert.equal((await weft.store.flowStates.disabled()).length, 0, 'the flow is on again');
    const unexpected = pageProblems.filter((problem) => !/409/.test(problem));
    assert.deepEqual(unexpected, [], 'the page logged no other errors');
    pageProblems.length = 0;
  });

  it('moving in place from one exception or run to another shows loading, then the new one or its error, never the previous one under the new URL', { timeout: 30_000 }, async () => {
    const [first, second] = await weft.store.listExceptions({ flowId: FLOW_ID, status: 'open' });
    assert.ok(first && second && first.message !== second.message, 'two open exceptions that read differently');
    /** A link followed inside the app, as Back and Forward also move between two records: the screen stays mounted. */
    const followLink = (href: string) =>
      page.evaluate((to) => {
        const link = Object.assign(document.createElement('a'), { href: to, textContent: 'next' });
        document.querySelector('main')!.append(link);
        link.click();
      }, href);
    const failSlowly = async (route: Parameters<Parameters<Page['route']>[1]>[0]) => {
      await new Promise((resolve) => setTimeout(resolve, 700));
      await route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({ type: 'https://weft.dev/problems/store-unavailable', title: 'The store is unavailable', status: 503, detail: 'retry shortly', code: 'store-unavailable' }),
      });
    };

    await page.goto(`${weft.url}/exceptions/${first.id}`);
    const heading = page.getByRole('heading', { level: 1 });
    await heading.filter({ hasText: first.message }).waitFor();
    const secondUrl = `${weft.url}/api/v1/exceptions/${second.id}`;
    await page.route(secondUrl, failSlowly);
    try {
      await followLink(`/exceptions/${second.id}`);
      await page.waitForURL(new RegExp(`/exceptions/${second.id}$`));
      await page.getByText('Loading…').waitFor();
      assert.equal(await page.getByText(first.message).count(), 0, 'the previous exception is not shown while the next one loads');
      await page.getByRole('alert').filter({ hasText: /store is unavailable/ }).waitFor();
      assert.equal(await page.getByText(first.message).count(), 0, 'nor once its load failed');
      assert.equal(await page.getByRole('textbox', { name: 'Input JSON' }).count(), 0, 'no input to replay under the wrong URL');
    } finally {
      await page.unroute(secondUrl);
    }
    await page.goBack();
    await heading.filter({ hasText: first.message }).waitFor();

    await page.goto(`${weft.url}/runs/${first.runId}`);
    await heading.filter({ hasText: first.runId }).waitFor();
    const secondRunUrl = `${weft.url}/api/v1/runs/${second.runId}`;
    await page.route(secondRunUrl, failSlowly);
    try {
      await followLink(`/runs/${second.runId}`);
      await page.getByRole('alert').filter({ hasText: /store is unavailable/ }).waitFor();
      assert.equal(await page.getByText(first.runId).count(), 0, 'the previous run is not shown under the next one’s URL');
    } finally {
      await page.unroute(secondRunUrl);
    }
    const unexpected = pageProblems.filter((problem) => !/503/.test(problem));
    assert.deepEqual(unexpected, [], 'the page logged no other errors');
    pageProblems.length = 0;
  });

  it('after a successful replay the Replay button stays disabled, also before the page has reloaded the exception', { timeout: 30_000 }, async () => {
    const [exception] = await weft.store.listExceptions({ flowId: FLOW_ID, status: 'open' });
    assert.ok(exception);
    await page.goto(`${weft.url}/exceptions/${exception.id}`);
    const replay = page.getByRole('button', { name: 'Replay', exact: true });
    await replay.waitFor();
    // As on a busy engine: the exception as it now is comes back a while after the replay's answer.
    const detailUrl = `${weft.url}/api/v1/exceptions/${exception.id}`;
    await page.route(detailUrl, async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route.continue();
    });
    try {
      await replay.click();
      await page.getByRole('status').filter({ hasText: 'Replayed as run' }).waitFor();
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(await replay.isDisabled(), true, 'no second replay offered while the page reloads');
      assert.equal(await page.getByRole('button', { name: 'Discard' }).isDisabled(), true);
    } finally {
      await page.unroute(detailUrl);
    }
    await page.locator('.facts').getByText('replayed', { exact: true }).waitFor();
    assert.deepEqual(pageProblems, [], 'the page logged no errors');
  });

  it('shows each linked record with its id in each system, a system named like a column of the table included', { timeout: 30_000 }, async () => {
    await weft.store.xref.link('customer', { system: 'shop', id: '7001' }, { system: 'erp', id: '3345' }, Date.UTC(2026, 10, 1));
    // Connections may be named anything: these were lost in the row's own fields when ids sat beside them.
    await weft.store.xref.link('invoice', { system: 'entity', id: 'INV-1' }, { system: 'linkedAt', id: 'L-9' }, Date.UTC(2026, 10, 2));
    await page.goto(`${weft.url}/xref`);
    const table = page.getByRole('table', { name: 'Cross-references' });
    await table.getByRole('cell', { name: 'INV-1' }).waitFor();
    assert.deepEqual(await table.locator('thead tr').nth(0).locator('th').allTextContents(), ['Entity', 'Id by system', 'Last linked']);
    assert.deepEqual(await table.locator('thead tr').nth(1).locator('th').allTextContents(), ['entity', 'linkedAt', 'erp', 'shop']);
    const rows = await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    assert.deepEqual(
      rows.map((cells) => cells.slice(0, 5)),
      [
        ['invoice', 'INV-1', 'L-9', '—', '—'],
        ['customer', '—', '—', '3345', '7001'],
      ],
    );
    assert.match(rows[0]![5]!, /^2026-11-0[12] \d{2}:\d{2}:\d{2}\.000 [+-]\d{2}:\d{2}$/, 'when it was last linked, in local time');
    await shoot('12-xref-linked');
    assert.deepEqual(pageProblems, [], 'the page logged no errors');
  });
});
