import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { capBody, credentialScrubber, redactBody, redactHeaders, redactUrl } from './redact.ts';

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

describe('redactUrl', () => {
  const defaultFields = ['password', 'secret', 'token', 'apiKey', 'cardNumber', 'cvc'];

  it('redacts the values of configured query parameters and keeps the others', () => {
    assert.equal(
      redactUrl('https://api.example.com/v1/items?token=SECRET&apiKey=SECRET2&page=2', defaultFields),
      'https://api.example.com/v1/items?token=[REDACTED]&apiKey=[REDACTED]&page=2',
    );
  });

  it('matches configured names whole and case-insensitively, as redactBody does', () => {
    assert.equal(
      redactUrl('https://h/?CARDNUMBER=4242&cardnumber=4243&cardNumberLast4=4242&myCardNumber=1', ['cardNumber']),
      'https://h/?CARDNUMBER=[REDACTED]&cardnumber=[REDACTED]&cardNumberLast4=4242&myCardNumber=1',
    );
    assert.equal(redactUrl('https://h/?cardNumber=4242', ['CARDNUMBER']), 'https://h/?cardNumber=[REDACTED]');
  });

  it('redacts parameters named like credential headers even when not configured', () => {
    assert.equal(
      redactUrl(
        'https://h/?access_token=a&client_secret=b&X-Amz-Signature=c&user_password=d&x-api-key=e&apikey=f&hmac=g&authorization=h&key=k&page_size=10',
        [],
      ),
      'https://h/?access_token=[REDACTED]&client_secret=[REDACTED]&X-Amz-Signature=[REDACTED]&user_password=[REDACTED]&x-api-key=[REDACTED]&apikey=[REDACTED]&hmac=[REDACTED]&authorization=[REDACTED]&key=k&page_size=10',
    );
  });

  it('matches a name as the server decodes it, and keeps it as written', () => {
    assert.equal(
      redactUrl('https://h/?%74oken=a&api%4Bey=b&card+number=c&card%20number=d&%74oken%=e&%FFtoken=f', ['apiKey', 'card number']),
      'https://h/?%74oken=[REDACTED]&api%4Bey=[REDACTED]&card+number=[REDACTED]&card%20number=[REDACTED]&%74oken%=[REDACTED]&%FFtoken=[REDACTED]',
    );
  });

  it('keeps order, repeats, encoding, odd pairs and the fragment byte for byte', () => {
    const url = 'https://h/p%20q/?q=caf%C3%A9+au+lait&token=a&raw=é&&token=b&x=%26y%3D&token&token=&pw=a=b==&next=/a?b=c#token=frag?x';
    assert.equal(
      redactUrl(url, ['token', 'pw']),
      'https://h/p%20q/?q=caf%C3%A9+au+lait&token=[REDACTED]&raw=é&&token=[REDACTED]&x=%26y%3D&token&token=&pw=[REDACTED]&next=/a?b=c#token=frag?x',
    );
  });

  it('returns a URL with nothing to redact as it is', () => {
    for (const url of [
      'https://h',
      'https://h/token/abc',
      'https://h/path#token=frag',
      'https://h/path#frag?token=s',
      'HTTPS://H/?q=a b&page=2',
      'https://h/?token&token=',
      ' https://h/?q=1',
    ]) {
      assert.equal(redactUrl(url, defaultFields), url);
    }
  });

  it('redacts the user and password of the userinfo, keeping empty parts empty', () => {
    assert.equal(redactUrl('https://user:pass@host/', []), 'https://[REDACTED]:[REDACTED]@host/');
    assert.equal(redactUrl('https://sk_live_123@api.example.com/v1', []), 'https://[REDACTED]@api.example.com/v1');
    assert.equal(redactUrl('https://:pw@host', []), 'https://:[REDACTED]@host');
    assert.equal(redactUrl('https://user:@host', []), 'https://[REDACTED]:@host');
    assert.equal(redactUrl('https://u:p@ss:w@rd@[::1]:8443/x?q=a b', []), 'https://[REDACTED]:[REDACTED]@[::1]:8443/x?q=a b');
    assert.equal(
      redactUrl('wss://u:p@host:8080/socket?access_token=t&room=1#top', []),
      'wss://[REDACTED]:[REDACTED]@host:8080/socket?access_token=[REDACTED]&room=1#top',
    );
  });

  it('leaves an "@" outside the authority alone', () => {
    assert.equal(redactUrl('mailto:ann@example.com?token=s', defaultFields), 'mailto:ann@example.com?token=[REDACTED]');
    assert.equal(redactUrl('https://h/users/ann@example.com?token=s', defaultFields), 'https://h/users/ann@example.com?token=[REDACTED]');
    assert.equal(redactUrl('https://h/?email=ann@example.com', defaultFields), 'https://h/?email=ann@example.com');
    // http(s) reads a backslash as "/": the host is h and "u:p@x" is path.
    assert.equal(redactUrl('https://h\\u:p@x/?token=s', defaultFields), 'https://h\\u:p@x/?token=[REDACTED]');
  });

  it('redacts the parsed form of a URL its text misreads, rather than leak', () => {
    // The URL parser drops the space and the tab, reads backslashes as slashes and supplies the
    // missing "//" of http(s): the HTTP client would send these credentials.
    assert.equal(redactUrl(' https://u:p@host/?token=s', defaultFields), 'https://[REDACTED]:[REDACTED]@host/?token=[REDACTED]');
    assert.equal(redactUrl('https:\\\\u:p@host\\a?x=1', []), 'https://[REDACTED]:[REDACTED]@host/a?x=1');
    assert.equal(redactUrl('https:u:p@host/', []), 'https://[REDACTED]:[REDACTED]@host/');
    assert.equal(redactUrl('https://h/?to\tken=s&q=a b', defaultFields), 'https://h/?token=[REDACTED]&q=a%20b');
    assert.equal(redactUrl('foo://u:p\\x@host/', []), 'foo://[REDACTED]:[REDACTED]@host/');
  });

  it('is idempotent', () => {
    for (const url of ['https://u:p@h/?token=a&q=1', 'https://h/?apiKey=[REDACTED]', ' https://u:p@host/?token=s']) {
      const once = redactUrl(url, defaultFields);
      assert.equal(redactUrl(once, defaultFields), once);
    }
  });

  it('returns a string that is not an absolute URL unchanged, without throwing', () => {
    for (const notAbsolute of ['', 'not a url', '/relative?token=s', '?token=s', 'https://exa mple.com/?token=s', 'http://[::1/?token=s', 'https://u:p@/?token=s']) {
      assert.equal(redactUrl(notAbsolute, defaultFields), notAbsolute);
    }
  });
});

describe('credentialScrubber', () => {
  const key = 'AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY';
  const scrub = credentialScrubber([key, 'p@ss w/rd"1', 'short', 'c2lnbmF0dXJl+/Q==']);

  it('replaces each value wherever it is, in every form a record holds it', () => {
    assert.deepEqual(scrub.headers({ 'x-goog-api-client': key, 'x-note': `key ${key} in use`, accept: 'application/json' }), {
      'x-goog-api-client': '[REDACTED]',
      'x-note': 'key [REDACTED] in use',
      accept: 'application/json',
    });
    assert.equal(scrub.text(JSON.stringify({ error: `API key not valid: ${key}`, pass: 'p@ss w/rd"1' })), '{"error":"API key not valid: [REDACTED]","pass":"[REDACTED]"}');
    assert.equal(scrub.text(`u=${encodeURIComponent('p@ss w/rd"1')}&v=${new URLSearchParams({ v: 'p@ss w/rd"1' }).toString().slice(2)}`), 'u=[REDACTED]&v=[REDACTED]');
  });

  it('keeps values too short to tell from ordinary text', () => {
    assert.equal(scrub.text('a short answer'), 'a short answer');
  });

  it("keeps a URL's address, and scrubs what follows it", () => {
    const url = new URL('https://maps.googleapis.com/maps/api/geocode/json?address=Main+St');
    url.searchParams.set('key', key);
    assert.equal(scrub.url(url.toString()), 'https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=[REDACTED]');
    // The template wrote "sig=c2lnbmF0dXJl+/Q==" as it is; setting `key` re-encoded the query.
    assert.equal(scrub.url('https://h/v1?sig=c2lnbmF0dXJl+%2FQ%3D%3D&key=1'), 'https://h/v1?sig=[REDACTED]&key=1');
    assert.equal(credentialScrubber(['api.example.com']).url('https://api.example.com/v1/api.example.com'), 'https://api.example.com/v1/[REDACTED]');
  });

  it('changes nothing without values', () => {
    const none = credentialScrubber([]);
    assert.equal(none.url('https://h/?key=abcdefgh'), 'https://h/?key=abcdefgh');
    assert.equal(none.text('abcdefgh'), 'abcdefgh');
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
