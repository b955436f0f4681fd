import { readdirSync, readFileSync } from 'node:fs';
import { after, before, beforeEach } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateMasterKey } from '../../src/connectors/vault/master-key.ts';
import { connectCommerceSandboxes, startCommerceSandboxes, type CommerceSandboxes } from '../../src/demo/commerce-sandboxes.ts';
import { startTestWeft } from './weft-harness.ts';

/** The commerce examples the demo runs (examples/order-to-cash). */
export const COMMERCE_EXAMPLE_DIR = fileURLToPath(new URL('../../../../examples/order-to-cash/', import.meta.url));

/** Every example flow file by name, optionally edited (a test's shorter poll interval, say). */
export function commerceExampleFlows(edit: (text: string) => string = (text) => text): Record<string, string> {
  const dir = `${COMMERCE_EXAMPLE_DIR}flows/`;
  return Object.fromEntries(
    readdirSync(dir)
      .filter((name) => name.endsWith('.yaml'))
      .map((name) => [name, edit(readFileSync(dir + name, 'utf8'))]),
  );
}

/**
 * The vendors' sandboxes for the tests of one describe block, called in its body: started once
 * (with a master key for the connections' secrets), reset before each test, closed after them.
 * `start` serves the example flows, each edited by `edit`, connected to the sandboxes.
 */
export function useCommerceSandboxes() {
  let started: CommerceSandboxes | undefined;
  const sandboxes = (): CommerceSandboxes => {
    if (started === undefined) throw new Error('the sandboxes are started in the describe block\'s before hook');
    return started;
  };
  before(async () => {
    process.env.WEFT_MASTER_KEY = generateMasterKey();
    started = await startCommerceSandboxes();
  });
  after(async () => {
    delete process.env.WEFT_MASTER_KEY;
    await started?.close();
  });
  beforeEach(() => sandboxes().reset());
  return {
    sandboxes,
    start: (edit?: (text: string) => string) =>
      startTestWeft(commerceExampleFlows(edit), { prepare: (store) => connectCommerceSandboxes(store, sandboxes(), process.env, Date.now()) }),
  };
}

/** Polls `read` until `isDone`, failing with the last value seen: for effects that land a little later. */
export async function waitFor<T>(what: string, read: () => Promise<T> | T, isDone: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (isDone(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
