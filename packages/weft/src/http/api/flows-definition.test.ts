/** What GET /api/v1/flows/:id serves of a flow's definition: no credential written into the flow file. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redactDefinition } from './flows.ts';

describe("a flow's definition as the API serves it", () => {
  it('hides a literal under a name the audit log takes for a credential, and keeps where one comes from', () => {
    const call = {
      url: 'https://api.example.com/orders',
      headers: {
        Authorization: 'Bearer sk_live_51HxYzLiteral',
        'X-Api-Key': 'literal-key-123',
        'X-Auth-Token': '${secret:AUTH_TOKEN}',
        'Proxy-Authorization': 'Basic ${secret:PROXY}',
        Cookie: '{{ steps.login.body.cookie }}',
        'X-Partner-Secret': 'ps_live_${env:PARTNER_SUFFIX}',
        'Content-Type': 'application/json',
      },
      query: { api_key: 'AIzaSyD-literal', access_token: '${env:ACCESS_TOKEN}', token_type: 'bearer', page: '2' },
    };
    assert.deepEqual(redactDefinition({ id: 'orders', steps: [{ id: 'create', call }] }), {
      id: 'orders',
      steps: [
        {
          id: 'create',
          call: {
            url: 'https://api.example.com/orders',
            headers: {
              Authorization: '[REDACTED]',
              'X-Api-Key': '[REDACTED]',
              'X-Auth-Token': '${secret:AUTH_TOKEN}',
              'Proxy-Authorization': 'Basic ${secret:PROXY}',
              Cookie: '{{ steps.login.body.cookie }}',
              'X-Partner-Secret': '[REDACTED]',
              'Content-Type': 'application/json',
            },
            query: { api_key: '[REDACTED]', access_token: '${env:ACCESS_TOKEN}', token_type: 'bearer', page: '2' },
          },
        },
      ],
    });
  });
});
