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

describe('lintRepairFlows: a reconcile step names a repair flow loaded with it', () => {
  const engine = createExpressionEngine();
  const dirs: string[] = [];
  after(async () => {
    await engine.close();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  const nightly = (repairFlow: string) => `id: nightly
trigger: { manual: {} }
steps:
  - id: compare
    reconcile:
      entity: customer
      source: { system: shop, records: trigger.body.shop, id: id }
      target: { system: erp, records: trigger.body.erp, id: customerId }
      onMissing: exception
      repairFlow: ${repairFlow}
`;
  const REPAIR = `id: repair-customer
trigger: { manual: {} }
steps:
  - id: looked_at
    map: 'trigger.body.id'
`;

  async function load(files: Record<string, string>) {
    const dir = await mkdtemp(join(tmpdir(), 'weft-lint-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const { flows, diagnostics } = await loadFlows([dir], { engine, env: {} });
    return { ids: flows.map((loaded) => loaded.flow.id).sort(), problems: diagnostics.map(({ line, column, code, message, hint }) => `${line}:${column} ${code} ${message} (${hint})`) };
  }

  it('refuses a misspelt repairFlow at load, where weft validate shows it, instead of on the first night with a missing record', async () => {
    assert.deepEqual(await load({ 'nightly.flow.yaml': nightly('repair-custmer'), 'repair.flow.yaml': REPAIR }), {
      ids: ['repair-customer'],
      problems: ["10:19 ERR_FLOW_INVALID_VALUE repairFlow 'repair-custmer' of step 'compare' names no flow loaded with this one (did you mean 'repair-customer'?)"],
    });
    assert.deepEqual(await load({ 'nightly.flow.yaml': nightly('repair-customer'), 'repair.flow.yaml': REPAIR }), { ids: ['nightly', 'repair-customer'], problems: [] });
  });

  it('refuses a linkedBy.flow that is not loaded or has no orderingKey: the record’s own run could never be found', async () => {
    const linked = (flow: string) => `${nightly('repair-customer')}      linkedBy: { flow: ${flow}, orderingKey: $string(id) }\n`;
    const signups = (orderingKey: string) => `id: signups\ntrigger: { manual: {} }\n${orderingKey}steps:\n  - id: looked_at\n    map: 'trigger.body.id'\n`;
    assert.deepEqual(await load({ 'nightly.flow.yaml': linked('signup'), 'repair.flow.yaml': REPAIR, 'signups.flow.yaml': signups('orderingKey: $string(trigger.body.id)\n') }), {
      ids: ['repair-customer', 'signups'],
      problems: ["11:25 ERR_FLOW_INVALID_VALUE linkedBy.flow 'signup' of step 'compare' names no flow loaded with this one (did you mean 'signups'?)"],
    });
    assert.deepEqual(await load({ 'nightly.flow.yaml': linked('signups'), 'repair.flow.yaml': REPAIR, 'signups.flow.yaml': signups('') }), {
      ids: ['repair-customer', 'signups'],
      problems: [
        "11:25 ERR_FLOW_INVALID_VALUE linkedBy.flow 'signups' of step 'compare' has no orderingKey, so its run of a record cannot be found (give signups an orderingKey that names the record (e.g. its id), the value linkedBy.orderingKey gives for it)",
      ],
    });
    const fine = await load({ 'nightly.flow.yaml': linked('signups'), 'repair.flow.yaml': REPAIR, 'signups.flow.yaml': signups('orderingKey: $string(trigger.body.id)\n') });
    assert.deepEqual(fine, { ids: ['nightly', 'repair-customer', 'signups'], problems: [] });
  });
});
