/**
 * A step path names one step of a run: its checkpoint, its effect's idempotency key, the
 * exception and the audit records it leaves. Top-level steps are their id (`createOrder`); a step
 * nested in an `each` carries its item: by position (`lines[2].create`), or, when the each has a
 * `key`, by that key (`lines["ABC-9"].create`). The key is JSON-quoted, so it never reads as a
 * position and a key holding `]`, `.` or `"` cannot end its brackets early. Step ids hold none
 * of `[`, `.` or `"` (the flow schema's pattern), so a path parses back unambiguously.
 */

/** One item selector: `[2]`, or `["…"]` holding a JSON string literal. */
const ITEM_SELECTOR = /\[(?:\d+|"(?:[^"\\]|\\.)*")\]/g;

/** The prefix of the steps an `each` runs for one item, by its position or by its key. */
export function itemPathPrefix(eachPath: string, item: { index: number } | { key: string }): string {
  const selector = 'key' in item ? JSON.stringify(item.key) : String(item.index);
  return `${eachPath}[${selector}].`;
}

/** The ids of the steps along a path, items left out: `lines["A.B"].create` → lines, create. */
export function stepIdsAlong(path: string): string[] {
  return path.replace(ITEM_SELECTOR, '').split('.');
}

/** The path with every item made anonymous, `lines["ABC-9"].create` → `lines[].create`: every item of an each as one step. */
export function withAnyItem(path: string): string {
  return path.replace(ITEM_SELECTOR, '[]');
}
