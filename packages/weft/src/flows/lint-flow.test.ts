import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExpressionEngine } from '../transforms/expression.ts';
import { loadFlows } from './load-flow.ts';

const reconcileFlow = (source: string, target: string) => `id: nightly
trigger: { manual: {} }
steps:
  - id: compare
    reconcile:
      entity: customer
      source: { system: shop, records: trigger.body.shop, id: id${source} }
      target: { system: erp, records: trigger.body.erp, id: customerId${target} }
`;

describe('lintFlow: reconcile steps', () => {
  const engine = createExpressionEngine();
  const dirs: string[] = [];
  after(async () => {
    await engine.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  async function diagnosticsOf(text: string) {
    const dir = await mkdtemp(join(tmpdir(), 'weft-lint-'));
    dirs.push(dir);
    await writeFile(join(dir, 'nightly.flow.yaml'), text);
    const { diagnostics } = await loadFlows([dir], { engine, env: {} });
    return diagnostics.map(({ line, column, code, message }) => `${line}:${column} ${code} ${message}`);
  }

  it('refuses a compare on one side only, at that compare: the step would compare nothing and call every record matched', async () => {
    assert.deepEqual(await diagnosticsOf(reconcileFlow(', compare: email', '')), [
      "7:67 ERR_FLOW_MISSING_KEY source.compare needs target.compare in reconcile of step 'compare': with one side only, nothing is compared",
    ]);
    assert.deepEqual(await diagnosticsOf(reconcileFlow('', ', compare: email')), [
      "8:73 ERR_FLOW_MISSING_KEY target.compare needs source.compare in reconcile of step 'compare': with one side only, nothing is compared",
    ]);
    assert.deepEqual(await diagnosticsOf(reconcileFlow(', compare: email', ', compare: email')), []);
  });

  it("checks the source's changedAt like the step's other expressions", async () => {
    assert.deepEqual(await diagnosticsOf(reconcileFlow(', changedAt: updatedAt', '')), []);
    const [problem] = await diagnosticsOf(reconcileFlow(', changedAt: steps.later.at', ''));
    assert.match(problem!, /^7:84 ERR_FLOW_UNKNOWN_STEP reconcile\.source\.changedAt of step 'compare' reads steps\.later, but there is no step 'later'$/);
  });
});
