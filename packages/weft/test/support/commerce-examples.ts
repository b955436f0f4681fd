import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

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
