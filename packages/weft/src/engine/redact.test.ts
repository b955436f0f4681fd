import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { capBody, redactBody, redactHeaders } from './redact.ts';

describe('redactHeaders', () => {
  it('redacts credentials by name and by fragment, and lower-cases names', () => {
    const headers = {
      Authorization: 'Bearer abc',
      'proxy-authorization': 'Basic xyz',
      cookie: 'session=1',
      'set-cookie': ['a=1', 'b=2'],
      'X-API-Key': 'k',
      'X-Shopify-Hmac-Sha256': 'sig',
      'Stripe-Signature': 't=1,v1=ab',
      'X-Auth-Token': 't',
      'X-Client-Secret': 's',
      'X-Db-Password': 'p',
      'X-Partner-Api-Key': 'k2',
      'Content-Type': 'application/json',
      'Idempotency-Key': 'weft-123',
      Accept: ['application/json', 'text/plain'],
      'x-absent': undefined,
    };
    assert.deepEqual(redactHeaders(headers), {
      authorization: '[REDACTED]',
      'proxy-authorization': '[REDACTED]',
      cookie: '[REDACTED]',
      'set-cookie': '[REDACTED]',
      'x-api-key': '[REDACTED]',
      'x-shopify-hmac-sha256': '[REDACTED]',
      'stripe-signature': '[REDACTED]',
      'x-auth-token': '[REDACTED]',
      'x-client-secret': '[REDACTED]',
      'x-db-password': '[REDACTED]',
      'x-partner-api-key': '[REDACTED]',
      'content-type': 'application/json',
      'idempotency-key': 'weft-123',
      accept: 'application/json, text/plain',
    });
  });

  it('redacts extra names case-insensitively', () => {
    assert.deepEqual(redactHeaders({ 'X-Tenant': 'acme', 'X-Other': 'v' }, ['x-TENANT']), { 'x-tenant': '[REDACTED]', 'x-other': 'v' });
  });
});

describe('redactBody', () => {
  it('redacts named keys at any depth, case-insensitively', () => {
    const body = JSON.stringify({
      user: 'ann',
      Password: 'hunter2',
      card: { number: '4242', cvc: '123' },
      items: [{ token: 'a' }, { name: 'b' }],
    });
    assert.deepEqual(JSON.parse(redactBody(body, ['password', 'CVC', 'token'])), {
      user: 'ann',
      Password: '[REDACTED]',
      card: { number: '4242', cvc: '[REDACTED]' },
      items: [{ token: '[REDACTED]' }, { name: 'b' }],
    });
  });

  it('replaces a whole nested value under a named key', () => {
    assert.equal(redactBody('{"auth":{"user":"u","pass":"p"}}', ['auth']), '{"auth":"[REDACTED]"}');
  });

  it('returns non-JSON and untouched bodies unchanged', () => {
    assert.equal(redactBody('password=hunter2', ['password']), 'password=hunter2');
    const spaced = '{ "a": 1,\n  "b": 2 }';
    assert.equal(redactBody(spaced, ['password']), spaced);
    assert.equal(redactBody(spaced, []), spaced);
  });
});

describe('capBody', () => {
  it('keeps short bodies and null', () => {
    assert.equal(capBody('hello', 5), 'hello');
    assert.equal(capBody(null, 5), null);
  });

  it('truncates with a marker counting the bytes cut', () => {
    assert.equal(capBody('hello world', 5), 'hello…[truncated 6 bytes]');
  });

  it('never splits a multi-byte character', () => {
    // "é" is 2 bytes, "€" 3, "😀" 4.
    assert.equal(capBody('aé', 2), 'a…[truncated 2 bytes]');
    assert.equal(capBody('€€', 4), '€…[truncated 3 bytes]');
    assert.equal(capBody('😀x', 3), '…[truncated 5 bytes]');
    assert.equal(capBody('😀x', 4), '😀…[truncated 1 bytes]');
  });
});
