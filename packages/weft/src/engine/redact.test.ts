import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { capBody, credentialScrubber, isCredentialName, maskUrlAfterHost, redactBody, redactHeaders, redactQueryParameters, redactUrl } from './redact.ts';

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
      shipment: { number: '4242', pin: '123' },
      items: [{ token: 'a' }, { name: 'b' }],
    });
    assert.deepEqual(JSON.parse(redactBody(body, ['password', 'PIN', 'token'])), {
      user: 'ann',
      Password: '[REDACTED]',
      shipment: { number: '4242', pin: '[REDACTED]' },
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
    const mentions = '{ "note": "rotate the client_secret", "total": 2 }';
    assert.equal(redactBody(mentions, []), mentions, 'a credential word in a value names no key');
  });

  it('redacts keys named like credentials, not only the configured names: an OAuth token exchange', () => {
    const request = JSON.stringify({
      grant_type: 'refresh_token',
      refresh_token: 'rt_9f8e7d6c5b4a',
      client_id: 'weft-prod',
      client_secret: 'cs_live_4b3a2f1e0d9c',
      scope: 'orders.write',
    });
    assert.deepEqual(JSON.parse(redactBody(request, [])), {
      grant_type: 'refresh_token',
      refresh_token: '[REDACTED]',
      client_id: 'weft-prod',
      client_secret: '[REDACTED]',
      scope: 'orders.write',
    });
    const response = JSON.stringify({
      access_token: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3ZWZ0In0.c2ln',
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: 'rt_1a2b3c4d5e6f',
      id_token: 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln',
      scope: 'orders.write',
    });
    assert.deepEqual(JSON.parse(redactBody(response, [])), {
      access_token: '[REDACTED]',
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: '[REDACTED]',
      id_token: '[REDACTED]',
      scope: 'orders.write',
    });
  });

  it("redacts a Stripe PaymentIntent's client_secret and api keys in any spelling, keeping counts and flags", () => {
    const paymentIntent = JSON.stringify({
      id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
      object: 'payment_intent',
      amount: 2000,
      client_secret: 'pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_YrKJUKribcBjcG8HVhfZluoGH',
      payment_method_options: { card: { request_three_d_secure: 'automatic' } },
      metadata: { api_key: 'k_live_1', apiKey: 'k_live_2', 'X-Api-Key': 'k_live_3', order: '5000123' },
    });
    assert.deepEqual(JSON.parse(redactBody(paymentIntent, [])), {
      id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
      object: 'payment_intent',
      amount: 2000,
      client_secret: '[REDACTED]',
      payment_method_options: { card: { request_three_d_secure: 'automatic' } },
      metadata: { api_key: '[REDACTED]', apiKey: '[REDACTED]', 'X-Api-Key': '[REDACTED]', order: '5000123' },
    });
    const usage = JSON.stringify({ usage: { prompt_tokens: 12, total_tokens: 30 }, secret_count: 2, password_set: true, token_expires_at: null });
    assert.equal(redactBody(usage, []), usage, 'a number, boolean or null is no credential');
    assert.equal(redactBody('{"credentials":{"tokens":["a","b"]}}', []), '{"credentials":{"tokens":"[REDACTED]"}}');
  });

  it('redacts a form-encoded body by the same names, by its content type', () => {
    const form = 'amount=2000&currency=usd&card[number]=4242424242424242&card%5Bcvc%5D=123&metadata[api_key]=k_live&password=hunter2&description=a+token+of+thanks';
    assert.equal(
      redactBody(form, ['cvc', 'card[number]'], 'application/x-www-form-urlencoded; charset=utf-8'),
      'amount=2000&currency=usd&card[number]=[REDACTED]&card%5Bcvc%5D=[REDACTED]&metadata[api_key]=[REDACTED]&password=[REDACTED]&description=a+token+of+thanks',
    );
    // GitHub answers a token request form-encoded unless asked for JSON.
    assert.equal(
      redactBody('access_token=gho_16C7e42F292c6912E7710c838347Ae178B4a&scope=repo&token_type=bearer', [], 'Application/X-WWW-Form-URLEncoded'),
      'access_token=[REDACTED]&scope=repo&token_type=bearer',
    );
    assert.equal(redactBody('password=hunter2', [], 'text/plain'), 'password=hunter2');
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
        'https://h/?access_token=a&client_secret=b&X-Amz-Signature=c&user_password=d&x-api-key=e&apikey=f&hmac=g&authorization=h&idempotency_key=k&page_size=10',
        [],
      ),
      'https://h/?access_token=[REDACTED]&client_secret=[REDACTED]&X-Amz-Signature=[REDACTED]&user_password=[REDACTED]&x-api-key=[REDACTED]&apikey=[REDACTED]&hmac=[REDACTED]&authorization=[REDACTED]&idempotency_key=k&page_size=10',
    );
  });

  it('reads "_" in a name as "-" and tests a bracketed name by its parts, as bodies are', () => {
    assert.equal(
      redactUrl('https://h/?api_key=a&x_api_key=b&filter[client_secret]=c&token_type=bearer&sort_key=k', []),
      'https://h/?api_key=[REDACTED]&x_api_key=[REDACTED]&filter[client_secret]=[REDACTED]&token_type=bearer&sort_key=k',
    );
    assert.equal(redactUrl('https://h/?x-auth-key=AIzaSyD-1&q=x', ['X-AUTH-KEY']), 'https://h/?x-auth-key=[REDACTED]&q=x', 'a name given, as an auth scheme gives its own');
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

describe('the name rule, one for every place that redacts', () => {
  it('takes `key` alone for an API key in a URL query or a form (Google, Trello), not in JSON (a Shopify metafield key)', () => {
    assert.equal(redactUrl('https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=AIzaSyD-9tSrke72', []), 'https://maps.googleapis.com/maps/api/geocode/json?address=Main+St&key=[REDACTED]');
    assert.deepEqual(redactQueryParameters({ KEY: 'k-123', keyword: 'shoes', 'metadata[key]': 'color' }, []), { KEY: '[REDACTED]', keyword: 'shoes', 'metadata[key]': 'color' });
    assert.equal(redactBody('key=trello-key-1&name=Card', [], 'application/x-www-form-urlencoded'), 'key=[REDACTED]&name=Card');
    const metafield = '{"metafield":{"namespace":"custom","key":"color","value":"red"}}';
    assert.equal(redactBody(metafield, []), metafield);
  });

  it('reads headers, fields and parameters alike', () => {
    for (const name of ['Authorization', 'x-api-key', 'X_API_KEY', 'access_token', 'clientSecret', 'X-Shopify-Hmac-Sha256', 'set-cookie']) assert.equal(isCredentialName(name), true, name);
    for (const name of ['token_type', 'idempotency-key', 'content-type', 'key', 'card']) assert.equal(isCredentialName(name), false, name);
    assert.deepEqual(redactHeaders({ X_API_KEY: 'k', 'Token-Type': 'Bearer' }), { x_api_key: '[REDACTED]', 'token-type': 'Bearer' });
  });
});

describe('payment card and bank account data', () => {
  // No redactFields at all: card data is hidden whatever the configuration says.
  const none: string[] = [];
  const form = 'application/x-www-form-urlencoded';

  it("hides a Stripe form's card number, security code and bank account number, by the last bracket and the one enclosing it", () => {
    const body = [
      'amount=2000',
      'card[number]=4242424242424242',
      'card[cvc]=123',
      'card[exp_month]=12',
      'payment_method_data[card][number]=4000056655665556',
      'payment_method_data%5Bcard%5D%5Bcvc%5D=314',
      'bank_account[account_number]=000123456789',
      'bank_account[routing_number]=110000000',
      'external_account[account_number]=000111111116',
      'bank_accounts[0][account_number]=000222222227',
      'source[client_secret]=src_client_secret_abc',
      'order[number]=5000123',
      'phone_number=%2B15555550100',
      'shipping[address][line1]=1+Main+St',
    ].join('&');
    assert.equal(
      redactBody(body, none, form),
      [
        'amount=2000',
        'card[number]=[REDACTED]',
        'card[cvc]=[REDACTED]',
        'card[exp_month]=12',
        'payment_method_data[card][number]=[REDACTED]',
        'payment_method_data%5Bcard%5D%5Bcvc%5D=[REDACTED]',
        'bank_account[account_number]=[REDACTED]',
        'bank_account[routing_number]=110000000',
        'external_account[account_number]=[REDACTED]',
        'bank_accounts[0][account_number]=[REDACTED]',
        'source[client_secret]=[REDACTED]',
        'order[number]=5000123',
        'phone_number=%2B15555550100',
        'shipping[address][line1]=1+Main+St',
      ].join('&'),
    );
  });

  it('hides the same data in JSON, at any depth, written as text or as a number', () => {
    const body = JSON.stringify({
      payment: { credit_card: { number: 4111111111111111, cvv: 737, expiry: '03/30' }, cardCode: '999' },
      cards: [{ number: '5555555555554444', last4: '4444' }],
      payment_method: { card: { brand: 'visa', last4: '4242', checks: { cvc_check: 'pass' } } },
      bank: { account_number: '000123456789', routing_number: '110000000' },
      order: { number: '5000123', card_message: 'Happy birthday' },
      customer: { account_number: 'ACME-001', phone_number: '+15555550100' },
      creditCard: { number: null },
    });
    assert.deepEqual(JSON.parse(redactBody(body, none)), {
      payment: { credit_card: { number: '[REDACTED]', cvv: '[REDACTED]', expiry: '03/30' }, cardCode: '[REDACTED]' },
      cards: [{ number: '[REDACTED]', last4: '4444' }],
      payment_method: { card: { brand: 'visa', last4: '4242', checks: { cvc_check: 'pass' } } },
      bank: { account_number: '[REDACTED]', routing_number: '110000000' },
      order: { number: '5000123', card_message: 'Happy birthday' },
      customer: { account_number: 'ACME-001', phone_number: '+15555550100' },
      creditCard: { number: null },
    });
    assert.equal(redactBody('{"card_number":"4242424242424242"}', none), '{"card_number":"[REDACTED]"}', 'a body naming nothing else is still read');
  });

  it('hides card data in a query string too, and keeps what only looks like it', () => {
    assert.equal(
      redactUrl('https://pay.example/charge?card[number]=4242424242424242&cvv=123&order[number]=7&card_count=2', none),
      'https://pay.example/charge?card[number]=[REDACTED]&cvv=[REDACTED]&order[number]=7&card_count=2',
    );
  });
});

describe('maskUrlAfterHost', () => {
  it('keeps scheme, host and port, and hides the rest', () => {
    assert.equal(maskUrlAfterHost('https://hooks.slack.com/services/T0001/B0001/XXXXXXXXXXXXXXXXXXXXXXXX'), 'https://hooks.slack.com/[REDACTED]');
    assert.equal(maskUrlAfterHost('https://u:p@hooks.example.com:8443/?sig=abc#x'), 'https://hooks.example.com:8443/[REDACTED]');
    assert.equal(maskUrlAfterHost('https://example.com'), 'https://example.com/');
    assert.equal(maskUrlAfterHost('not a url with a secret'), '[REDACTED]');
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
