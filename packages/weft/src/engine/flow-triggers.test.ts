import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadedFlow } from '../flows/load-flow.ts';
import { startFlowTriggers } from './flow-triggers.ts';

/** A flow as a load gives it: a new object each load, however unchanged. */
const loaded = (id: string, cron = '* * * * *'): LoadedFlow => ({ flow: { id, trigger: { schedule: { cron } }, steps: [] } }) as unknown as LoadedFlow;

/** Records which flow's triggers start and stop, in order. */
function recorder() {
  const events: string[] = [];
  const startFlow = (flow: LoadedFlow) => {
    events.push(`start ${flow.flow.id}`);
    return { stop: () => void events.push(`stop ${flow.flow.id}`) };
  };
  return { events, startFlow };
}

describe('startFlowTriggers', () => {
  it("switching one flow off or on starts or stops that flow's triggers, and no other's", () => {
    const { events, startFlow } = recorder();
    const [a, b] = [loaded('a'), loaded('b')];
    const triggers = startFlowTriggers(startFlow, [a, b]);
    assert.deepEqual(events.splice(0), ['start a', 'start b']);
    triggers.apply([a]);
    assert.deepEqual(events.splice(0), ['stop b'], "a's poll or schedule runs on");
    triggers.apply([a, b]);
    assert.deepEqual(events.splice(0), ['start b']);
    triggers.apply([a, b]);
    assert.deepEqual(events.splice(0), [], 'nothing switched, nothing restarted');
  });

  it('a reload restarts only the flows whose definition changed, and starts the new ones', () => {
    const { events, startFlow } = recorder();
    const triggers = startFlowTriggers(startFlow, [loaded('a'), loaded('b')]);
    events.splice(0);
    triggers.apply([loaded('a'), loaded('b', '*/5 * * * *'), loaded('c')]);
    assert.deepEqual(events.splice(0), ['stop b', 'start b', 'start c'], 'a, loaded again unchanged, keeps its running triggers');
    triggers.apply([loaded('a'), loaded('c')]);
    assert.deepEqual(events.splice(0), ['stop b'], 'a flow whose file is gone stops');
  });

  it('stops every flow once stopped, and an apply after that starts nothing', () => {
    const { events, startFlow } = recorder();
    const triggers = startFlowTriggers(startFlow, [loaded('a'), loaded('b')]);
    events.splice(0);
    triggers.stop();
    assert.deepEqual(events.splice(0), ['stop a', 'stop b']);
    triggers.apply([loaded('a')]);
    assert.deepEqual(events, [], 'a switch refresh answered after shutdown');
  });
});
