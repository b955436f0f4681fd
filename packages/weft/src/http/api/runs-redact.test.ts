import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { makeOrder } from '../../demo/shop.ts';
import { startApiWeft, type ApiWeft } from './testing.ts';

describe("API: a run's webhook query under the configured redactFields", () => {
  let weft: ApiWeft;
  before(async () => {
    weft = await startApiWeft({ overrides: { redactFields: ['customer_ssn'] } });
  });
  after(async () => weft.stop());

  it('hides a query parameter the operator listed in redactFields, as the audit log and weft record do', async () => {
    const delivered = await weft.api('POST', '/hooks/orders?Customer_SSN=078-05-1120&shop=acme&token=s3cr3t-webhook-token', {
      body: makeOrder(1),
      headers: { 'content-type': 'application/json', 'x-delivery': 'delivery-1' },
    });
    assert.equal(delivered.status, 202);
    const run = await weft.api('GET', `/api/v1/runs/${delivered.body.runId}`, { token: await weft.tokenFor('viewer') });
    assert.equal(run.status, 200);
    assert.deepEqual(run.body.event.query, { Customer_SSN: '[REDACTED]', shop: 'acme', token: '[REDACTED]' });
    assert.ok(!run.text.includes('078-05-1120'));
  });
});
