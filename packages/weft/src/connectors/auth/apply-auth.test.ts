import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { AuthError, apiKey, basic, bearer, hmacSigning, oauth2ClientCredentials, tokenPassport } from '@weft/sdk';
import { createManualClock } from '../../core/clock.ts';
import { applyAuth } from './apply-auth.ts';
import type { AuthRequest } from './apply-auth.ts';
import { createConnectionAuth } from './connection-auth.ts';
import type { OAuth2Client } from './oauth2.ts';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0, 500);

function request(overrides: Partial<AuthRequest> = {}): AuthRequest {
  return { url: new URL('https://api.example.com/v1/orders?limit=10'), method: 'post', headers: {}, body: '{"id":1}', ...overrides };
}

function secrets(values: Record<string, string>) {
  return { get: async (name: string) => values[name] };
}

describe('applyAuth', () => {
  it('puts an API key in a header with its prefix, replacing a same-named header of any case', async () => {
    const outgoing = request({ headers: { Authorization: 'connector-set' } });
    await applyAuth(outgoing, apiKey({ in: 'header', name: 'authorization', prefix: 'Token ' }), secrets({ apiKey: 'k-123' }), NOW);
    assert.deepEqual(outgoing.headers, { authorization: 'Token k-123' });
  });

  it('puts an API key in the query, keeping the other parameters', async () => {
    const outgoing = request();
    await applyAuth(outgoing, apiKey({ in: 'query', name: 'api_key' }), secrets({ apiKey: 'k 1&2' }), NOW);
    assert.equal(outgoing.url.searchParams.get('api_key'), 'k 1&2');
    assert.equal(outgoing.url.searchParams.get('limit'), '10');
  });

  it('sends basic credentials, with an empty password when none is stored', async () => {
    const withPassword = request();
    await applyAuth(withPassword, basic(), secrets({ username: 'ann', password: 'pä:ss' }), NOW);
    assert.equal(withPassword.headers.authorization, `Basic ${Buffer.from('ann:pä:ss', 'utf8').toString('base64')}`);
    const keyOnly = request();
    await applyAuth(keyOnly, basic(), secrets({ username: 'sk_test_1' }), NOW);
    assert.equal(keyOnly.headers.authorization, `Basic ${Buffer.from('sk_test_1:').toString('base64')}`);
  });

  it('sends a bearer token', async () => {
    const outgoing = request();
    await applyAuth(outgoing, bearer(), secrets({ token: 't-1' }), NOW);
    assert.equal(outgoing.headers.authorization, 'Bearer t-1');
  });

  it('sends the OAuth 2 client\'s access token', async () => {
    const outgoing = request();
    await applyAuth(outgoing, oauth2ClientCredentials({ tokenUrl: 'https://id.example.com/token' }), secrets({}), NOW, { accessToken: async () => 'at-1' });
    assert.equal(outgoing.headers.authorization, 'Bearer at-1');
    await assert.rejects(applyAuth(request(), oauth2ClientCredentials({ tokenUrl: 'https://id.example.com/token' }), secrets({}), NOW), TypeError);
  });

  it('signs timestamp, method, path, query and body with HMAC, as a receiver recomputes it', async () => {
    const scheme = hmacSigning({
      header: 'X-Signature',
      payload: ['timestamp', 'method', 'path', 'query', 'body'],
      separator: '\n',
      algorithm: 'sha512',
      encoding: 'base64',
      prefix: 'v1=',
      timestampHeader: 'X-Timestamp',
    });
    const outgoing = request();
    await applyAuth(outgoing, scheme, secrets({ signingSecret: 'shh' }), NOW);
    assert.equal(outgoing.headers['X-Timestamp'], '1767268800');
    const expected = createHmac('sha512', 'shh').update('1767268800\nPOST\n/v1/orders\nlimit=10\n{"id":1}').digest('base64');
    assert.equal(outgoing.headers['X-Signature'], `v1=${expected}`);
  });

  it('signs a binary body as the bytes sent, with the defaults (sha256, hex, no separator)', async () => {
    const body = Buffer.from([0xff, 0x00, 0xfe]);
    const outgoing = request({ body });
    await applyAuth(outgoing, hmacSigning({ header: 'x-mac', payload: ['method', 'body'] }), secrets({ signingSecret: 'k' }), NOW);
    const expected = createHmac('sha256', 'k').update(Buffer.concat([Buffer.from('POST'), body])).digest('hex');
    assert.equal(outgoing.headers['x-mac'], expected);
  });

  it('names a missing secret, and refuses a value that would break the header, without echoing it (canary)', async () => {
    await assert.rejects(applyAuth(request(), bearer(), secrets({}), NOW), {
      code: 'ERR_AUTH_MISSING_SECRET',
      message: 'The connection has no "token" secret; set it with `weft connections add`.',
    });
    const canary = 'CANARY-71b2\r\nX-Injected: yes';
    const error = await applyAuth(request(), bearer(), secrets({ token: canary }), NOW).then(
      () => assert.fail('a token with a line break must be refused'),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof AuthError);
    assert.ok(!inspect(error, { showHidden: true, depth: 10 }).includes('CANARY-71b2'));
  });
  it('signs a SOAP envelope with a fresh tokenPassport per request, at the clock\'s second', async () => {
    const scheme = tokenPassport({ passportNamespace: 'urn:messages', fieldsNamespace: 'urn:core' });
    const tba = { account: '123_SB1', consumerKey: 'ck', consumerSecret: 'cs', tokenId: 'tk', tokenSecret: 'ts' };
    const envelope = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><get/></soapenv:Body></soapenv:Envelope>';
    const [first, second] = [request({ body: envelope }), request({ body: envelope })];
    await applyAuth(first, scheme, secrets(tba), NOW);
    await applyAuth(second, scheme, secrets(tba), NOW);
    const field = (body: unknown, name: string) => new RegExp(`<tpc:${name}[^>]*>([^<]*)<`).exec(String(body))?.[1];
    assert.equal(field(first.body, 'timestamp'), String(Math.floor(NOW / 1000)));
    assert.notEqual(field(first.body, 'nonce'), field(second.body, 'nonce'));
    const signed = ['123_SB1', 'ck', 'tk', field(first.body, 'nonce'), field(first.body, 'timestamp')].join('&');
    assert.equal(field(first.body, 'signature'), createHmac('sha256', 'cs&ts').update(signed).digest('base64'));
    assert.ok(!String(first.body).includes('>cs<') && !String(first.body).includes('>ts<'), 'the secrets themselves are not sent');
    await assert.rejects(applyAuth(request({ body: envelope }), scheme, secrets({ ...tba, tokenSecret: '' }), NOW), /"tokenSecret"/);
  });
});

describe('createConnectionAuth', () => {
  it('says which token it applied, invalidates that one when asked to refresh, and says a retry can help', async () => {
    const invalidated: string[] = [];
    let token = 'at-1';
    const oauth2 = {
      accessToken: async () => token,
      invalidate: (rejected: string) => invalidated.push(rejected),
    } as unknown as OAuth2Client;
    const auth = createConnectionAuth({ scheme: oauth2ClientCredentials({ tokenUrl: 'https://id.example.com/token' }), credentials: secrets({}), clock: createManualClock(), oauth2 });
    const used = await auth.authorize(request());
    assert.equal(used, 'at-1');
    token = 'at-2';
    await auth.authorize(request());
    assert.equal(await auth.refresh(used), true);
    assert.deepEqual(invalidated, ['at-1'], 'the token the refused request carried, not the one handed out last');
    const retried = request();
    await auth.authorize(retried);
    assert.equal(retried.headers.authorization, 'Bearer at-2');
  });

  it('does not offer a retry for static credentials', async () => {
    const auth = createConnectionAuth({ scheme: bearer(), credentials: secrets({ token: 't' }), clock: createManualClock() });
    assert.equal(await auth.authorize(request()), undefined);
    assert.equal(await auth.refresh(undefined), false);
  });
});
