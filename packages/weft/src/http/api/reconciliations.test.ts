import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startApiWeft, type ApiWeft } from './testing.ts';

describe('management API: reconciliation reports', () => {
  let weft: ApiWeft;
  let viewer: string;
  before(async () => {
    weft = await startApiWeft();
    viewer = await weft.tokenFor('viewer');
  });
  after(async () => weft.stop());

  it('lists each report with its settling, orphan and over-the-limit counts beside matched, missing and different', async () => {
    const at = Date.UTC(2026, 10, 27, 2);
    await weft.store.reconciliations.record({
      id: 'rec_1',
      flowId: 'nightly',
      runId: 'run_night',
      stepPath: 'compare',
      entity: 'order',
      sourceSystem: 'shop',
      targetSystem: 'erp',
      matched: 7,
      missing: 1,
      different: 0,
      at,
      items: [
        { status: 'missing', sourceId: '1', name: 'order #1', settling: true },
        { status: 'missing', sourceId: '2', name: 'order #2', notHandedOver: 'over-limit' },
        { status: 'orphan', name: 'erp record SO-9', targetId: 'SO-9' },
        { status: 'orphan', name: 'erp record SO-8', targetId: 'SO-8' },
      ],
    });
    const answer = await weft.api('GET', '/api/v1/reconciliations', { token: viewer });
    assert.equal(answer.status, 200, answer.text);
    assert.deepEqual(answer.body.items, [
      {
        id: 'rec_1',
        flowId: 'nightly',
        runId: 'run_night',
        entity: 'order',
        sourceSystem: 'shop',
        targetSystem: 'erp',
        matched: 7,
        missing: 1,
        different: 0,
        settling: 1,
        orphans: 2,
        notHandedOver: 1,
        at: new Date(at).toISOString(),
      },
    ]);
  });
});
