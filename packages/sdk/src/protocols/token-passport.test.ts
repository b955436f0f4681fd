import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { AUTH_SECRETS, tokenPassport } from '../auth.ts';
import { PermanentError } from '../errors.ts';
import { buildEnvelope, parseEnvelope, type XmlElement } from './soap.ts';
import { addTokenPassport, tokenPassportSignature } from './token-passport.ts';

const scheme = tokenPassport({
  passportNamespace: 'urn:messages_2023_2.platform.webservices.netsuite.com',
  fieldsNamespace: 'urn:core_2023_2.platform.webservices.netsuite.com',
});

// Made-up credentials in NetSuite's shapes (64 hex characters each).
const credentials = {
  account: '1234567_SB1',
  consumerKey: 'ef40afdd8abaac111b13825dd5e5e2ddddb44f86d5a0dd6dcf38c20aae6b67e4',
  consumerSecret: 'd26ad321a4b2f23b0741c8d38392ce01c3e23e109df6c96eac6d099e9ab9a8f5',
  tokenId: '2b5d9e5c34e5a2ab2c40f5f0c7b0e8b1a9b4c2ce0e9f3cd2ca2fb0ab33cbb7b1',
  tokenSecret: 'c29a677df7d5439a458c063654187e3d678d73aca8e3c9d8bea1478a3eb0d295',
};
const once = { nonce: 'fjBbRk9y0mR8VzH2Qp3L', timestamp: 1508242306 };
// Computed outside Node with `printf '%s' 'account&consumerKey&token&nonce&timestamp' | openssl dgst -sha256 -hmac 'consumerSecret&tokenSecret' -binary | base64`.
const OPENSSL_SIGNATURE = 'UT+DuthLiqvVTXvACKtnRJnR9w3yXVfAAmckjwrQ7JY=';

const envelope = (header?: XmlElement) =>
  buildEnvelope({
    version: '1.1',
    namespaces: { msgs: 'urn:messages_2023_2.platform.webservices.netsuite.com' },
    ...(header === undefined ? {} : { header }),
    body: { 'msgs:get': { 'msgs:baseRef': { '@_internalId': '1' } } },
  });

describe('tokenPassport', () => {
  it('is a declaration whose secrets are listed once', () => {
    assert.equal(scheme.kind, 'token-passport');
    assert.ok(Object.isFrozen(scheme));
    assert.deepEqual(AUTH_SECRETS['token-passport'].required, ['account', 'consumerKey', 'consumerSecret', 'tokenId', 'tokenSecret']);
    assert.throws(() => tokenPassport({ passportNamespace: '', fieldsNamespace: 'urn:x' }), /passportNamespace/);
  });

  it('signs account&consumerKey&token&nonce&timestamp with consumerSecret&tokenSecret, as openssl does', () => {
    const fields = { account: credentials.account, consumerKey: credentials.consumerKey, token: credentials.tokenId, ...once };
    const signature = tokenPassportSignature(fields, credentials);
    assert.equal(signature, OPENSSL_SIGNATURE);
    const byHand = createHmac('sha256', `${credentials.consumerSecret}&${credentials.tokenSecret}`)
      .update(`${credentials.account}&${credentials.consumerKey}&${credentials.tokenId}&${once.nonce}&${once.timestamp}`)
      .digest('base64');
    assert.equal(signature, byHand);
  });

  it('adds a Header with the passport in the declared namespaces when the envelope has none', () => {
    const signed = addTokenPassport(envelope(), scheme, credentials, once);
    const parsed = parseEnvelope(signed, { keepPrefixes: true });
    const passport = parsed.header?.['tp:tokenPassport'] as Record<string, unknown>;
    assert.equal(passport['@_xmlns:tp'], scheme.passportNamespace);
    assert.equal(passport['@_xmlns:tpc'], scheme.fieldsNamespace);
    assert.equal(passport['tpc:account'], credentials.account);
    assert.equal(passport['tpc:token'], credentials.tokenId);
    assert.equal(passport['tpc:timestamp'], String(once.timestamp));
    assert.deepEqual(passport['tpc:signature'], { '@_algorithm': 'HMAC-SHA256', '#text': OPENSSL_SIGNATURE });
    assert.ok(!signed.includes(credentials.consumerSecret) && !signed.includes(credentials.tokenSecret), 'secrets must never be sent');
    assert.ok('msgs:get' in parsed.body, 'the Body is left as it was');
  });

  it('appends to an existing Header, keeping its blocks', () => {
    const signed = addTokenPassport(envelope({ 'msgs:preferences': { 'msgs:warningAsError': false } }), scheme, credentials, once);
    const header = parseEnvelope(signed).header ?? {};
    assert.deepEqual(Object.keys(header), ['preferences', 'tokenPassport']);
  });

  it('refuses a body that is not an envelope, a second passport and a nonce NetSuite would refuse', () => {
    assert.throws(() => addTokenPassport('{"json":true}', scheme, credentials, once), (error) => error instanceof PermanentError);
    const signed = addTokenPassport(envelope(), scheme, credentials, once);
    assert.throws(() => addTokenPassport(signed, scheme, credentials, { ...once, nonce: 'another1' }), /two/);
    assert.throws(() => addTokenPassport(envelope(), scheme, credentials, { ...once, nonce: 'a&b<c>d' }), /nonce/);
  });
});
