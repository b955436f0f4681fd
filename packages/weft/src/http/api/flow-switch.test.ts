import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createManualClock } from '../../core/clock.ts';
import type { LoadedFlow } from '../../flows/load-flow.ts';
import type { FlowStateStore } from '../../store/store.ts';
import { createFlowSwitch } from './flow-switch.ts';

const flowOf = (id: string) => ({ flow: { id, trigger: { schedule: { cron: '0 * * * *' } }, steps: [] } }) as unknown as LoadedFlow;

/** Switches kept in memory; a read takes its answer at once and hands it over when `answer` is called, as a slow store does. */
function slowFlowStates() {
  const disabled = new Set<string>();
  const reads: Array<() => void> = [];
  const flowStates: FlowStateStore = {
    setEnabled: async (flowId, enabled) => void (enabled ? disabled.delete(flowId) : disabled.add(flowId)),
    disabled: () => {
      const read = [...disabled];
      return new Promise((resolve) => reads.push(() => resolve(read)));
    },
  };
  return { disabled, flowStates, answerReads: () => reads.splice(0).forEach((answer) => answer()) };
}

describe('createFlowSwitch', () => {
  it('keeps a flow switched on here when a refresh that read the store before the switch answers after it', async () => {
    const states = slowFlowStates();
    states.disabled.add('nightly');
    const applied: string[][] = [];
    const flowSwitch = createFlowSwitch({
      apply: (enabled) => void applied.push(enabled.map((flow) => flow.flow.id)),
      flowStates: states.flowStates,
      clock: createManualClock(),
      flows: [flowOf('orders'), flowOf('nightly')],
      disabled: ['nightly'],
    });
    const refreshing = flowSwitch.refresh();
    await flowSwitch.setEnabled('nightly', true);
    states.answerReads();
    await refreshing;
    assert.equal(flowSwitch.isEnabled('nightly'), true);
    assert.deepEqual(applied, [['orders', 'nightly']], 'switched on once, not off again until the next refresh (its schedule restarted twice)');

    // The next refresh reads what the switch wrote: nothing changes.
    const next = flowSwitch.refresh();
    states.answerReads();
    await next;
    assert.deepEqual(applied, [['orders', 'nightly']]);
  });

  it('applies a switch another process made', async () => {
    const states = slowFlowStates();
    const applied: string[][] = [];
    const flowSwitch = createFlowSwitch({
      apply: (enabled) => void applied.push(enabled.map((flow) => flow.flow.id)),
      flowStates: states.flowStates,
      clock: createManualClock(),
      flows: [flowOf('orders'), flowOf('nightly')],
      disabled: [],
    });
    states.disabled.add('nightly');
    const refreshing = flowSwitch.refresh();
    states.answerReads();
    await refreshing;
    assert.equal(flowSwitch.isEnabled('nightly'), false);
    assert.deepEqual(applied, [['orders']]);
  });
});
