import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiKey, basic, bearer, hmacSigning, tokenLogin } from '../auth.ts';
import { ValidationError } from '../errors.ts';
import { authFromCredentials, createTestHttpClient } from './fetch-http-client.ts';
import { createSandbox } from './sandbox.ts';

describe('authFromCredentials', () => {
  it('uses the first scheme whose credentials are present', () => {
    assert.deepEqual(authFromCredentials([basic(), bearer()], { token: 't' }), { headers: { authorization: 'Bearer t' }, query: {} });
    assert.deepEqual(authFromCredentials([basic()], { username: 'u', password: 'p' }).headers, { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
    assert.deepEqual(authFromCredentials([apiKey({ in: 'header', name: 'X-Api-Key', prefix: 'Key ' })], { apiKey: 'k' }).headers, { 'x-api-key': 'Key k' });
    assert.deepEqual(authFromCredentials([apiKey({ in: 'query', name: 'key' })], { apiKey: 'k' }).query, { key: 'k' });
  });

  it('hands a token-login scheme with a username to the client to log in, and sends an already-issued token as is', () => {
    const scheme = tokenLogin({ path: '/auth/login', body: { email: 'username', password: 'password' }, tokenField: 'token', lifetimeSeconds: 600 });
    assert.deepEqual(authFromCredentials([scheme], { username: 'u@example.com', password: 'p' }), {
      headers: {},
      query: {},
      tokenLogin: { scheme, credentials: { username: 'u@example.com', password: 'p' } },
    });
    assert.deepEqual(authFromCredentials([scheme], { token: 'jwt' }).headers, { authorization: 'Bearer jwt' });
  });

  it('says which credentials it needed when none fit', () => {
    assert.throws(() => authFromCredentials([hmacSigning({ header: 'X-Sig', payload: ['body'] })], { token: 't' }), /hmac-signing/);
  });
});

describe('createTestHttpClient', () => {
  it('joins a base URL path with the request path, repeats array query values, and lets the errors hook speak first', async () => {
    const sandbox = await createSandbox({
      name: 'echo',
      seed: () => ({}),
      routes: [
        { method: 'GET', path: '/api/v2/things', handle: (request) => ({ body: { ok: false, query: request.query } }) },
        { method: 'POST', path: '/api/v2/upload', handle: (request) => ({ body: { type: request.headers['content-type'], raw: request.rawBody } }) },
      ],
    }).listen();
    try {
      const http = createTestHttpClient({ baseUrl: `${sandbox.url}/api/v2/`, query: { key: 'k' } });
      const response = await http.request({ method: 'GET', path: '/things', query: { 'ids[]': ['a', 'b'], skip: undefined } });
      assert.deepEqual(response.body, { ok: false, query: { ids: ['a', 'b'], key: 'k' } });
      const rejected = new ValidationError('ERR_ECHO_NOT_OK');
      await assert.rejects(
        http.request({ method: 'GET', path: '/things' }, { errors: (r) => ((r.body as { ok: boolean }).ok ? undefined : rejected) }),
        (error) => error === rejected,
      );
      const upload = await http.request({ method: 'POST', path: '/upload', bodyEncoding: 'raw', headers: { 'content-type': 'text/csv' }, body: 'a,b\n1,2' });
      assert.deepEqual(upload.body, { type: 'text/csv', raw: 'a,b\n1,2' });
    } finally {
      await sandbox.close();
    }
  });
});
