/**
 * Guarantees 1–3 and 7 under real crashes: the engine runs as a child process and is killed
 * with SIGKILL at random moments while 2,000 signed webhooks (some delivered twice) arrive.
 * The ERP sandbox honours Idempotency-Key and, separately, counts creations per order: every
 * acknowledged order must be created exactly once.
 */
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'undici';
import { startErp } from '../src/demo/erp.ts';
import { deliverOrder, makeOrder, orderNumberOf, webhookIdOf } from '../src/demo/shop.ts';
import { freePort, spawnEngine, waitFor, type EngineProcess } from './support/engine-process.ts';
import { writeOrderFlow } from './support/order-flow.ts';

const ORDERS = 2_000;
const KILLS = 6;
const SECRET = 'crash-test-secret';

describe('kill -9 at random moments', () => {
  it('delivers every acknowledged event exactly once: 0 lost, 0 duplicate creations', { timeout: 240_000 }, async () => {
    const erp = await startErp();
    const { flows, db } = writeOrderFlow();
    const port = await freePort();
    const env = { SHOP_WEBHOOK_SECRET: SECRET, ERP_URL: erp.url, WEFT_LEASE_MS: '1500', WEFT_POLL_INTERVAL_MS: '100', WEFT_EGRESS_ALLOW: new URL(erp.url).host };
    const start = () => spawnEngine({ flows, db, port, env });
    let engine: EngineProcess = await start();
    const dispatcher = new Agent({ connections: 32, keepAliveTimeout: 1_000 });
    after(async () => {
      engine.child.kill('SIGKILL');
      await dispatcher.close();
      await erp.close();
    });

    const acknowledged = new Set<number>();
    let kills = 0;
    let restarting: Promise<void> | undefined;

    async function deliverUntilAcknowledged(n: number): Promise<void> {
      const order = makeOrder(n);
      for (;;) {
        if (restarting) await restarting;
        try {
          const response = await deliverOrder({ hookUrl: `http://127.0.0.1:${port}/hooks/shop/orders`, secret: SECRET, order, webhookId: webhookIdOf(n), nowMs: Date.now(), dispatcher });
          if (response.status === 200 || response.status === 202) {
            acknowledged.add(orderNumberOf(n));
            return;
          }
          if (response.status !== 503) assert.fail(`unexpected ${response.status}: ${response.body}`);
        } catch {
          // The engine is down: like a real vendor, deliver again later.
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }

    async function killAndRestart(): Promise<void> {
      engine.child.kill('SIGKILL');
      await engine.exited;
      kills++;
      engine = await start();
    }

    const killer = (async () => {
      while (kills < KILLS) {
        await new Promise((resolve) => setTimeout(resolve, 300 + Math.random() * 1_200));
        restarting = killAndRestart();
        await restarting;
        restarting = undefined;
      }
    })();

    let next = 1;
    const senders = Array.from({ length: 16 }, async () => {
      while (next <= ORDERS) {
        const n = next++;
        await deliverUntilAcknowledged(n);
        // Every tenth order is delivered again, as vendors do after a lost acknowledgement.
        if (n % 10 === 0) await deliverUntilAcknowledged(n);
        // Pace the senders so the kills land throughout the run, not after it.
        if (kills < KILLS) await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    await Promise.all(senders);
    await killer;
    assert.equal(acknowledged.size, ORDERS);

    await waitFor(() => Object.keys(erp.stats().creationsPerOrder).length >= ORDERS, 120_000, `all ${ORDERS} orders in the ERP\n${engine.output()}`);
    // Give any stray duplicate a moment to show itself before counting.
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const stats = erp.stats();
    const lost = [...acknowledged].filter((id) => !stats.creationsPerOrder[String(id)]);
    assert.deepEqual(lost, [], 'acknowledged orders never created');
    assert.equal(stats.duplicateCreations, 0, 'orders created twice');
    assert.equal(Object.keys(stats.creationsPerOrder).length, ORDERS);
    assert.ok(kills >= 5, `killed ${kills} times`);
  });
});
