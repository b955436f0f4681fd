import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AuthError, PermanentError, RateLimitedError, RetryableError, ValidationError, type ConnectorError } from '../errors.ts';
import type { HttpResponse } from '../request.ts';
import { buildEnvelope, parseEnvelope, soapError, soapHeaders, type SoapFault } from './soap.ts';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
// Fixtures are indented for reading; the builder writes no whitespace between elements.
const compact = (xml: string): string => xml.replace(/>\s+</g, '><').trim();

const NETSUITE = {
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
  platformMsgs: 'urn:messages_2023_2.platform.webservices.netsuite.com',
  platformCore: 'urn:core_2023_2.platform.webservices.netsuite.com',
};

function rejection(fn: () => unknown): ConnectorError {
  try {
    fn();
  } catch (error) {
    return error as ConnectorError;
  }
  assert.fail('expected a ConnectorError');
}

const soapResponse = (text: string, status = 200): HttpResponse => ({ status, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: text, text });

// NetSuite names vendor fault codes in the detail; the SOAP fault code alone says Server for all.
const netsuiteFaults = (fault: SoapFault, status: number | undefined): ConnectorError | undefined => {
  const detail = (fault.detail ?? {}) as Record<string, { code?: string; message?: string } | undefined>;
  const code = Object.values(detail).find((entry) => typeof entry?.code === 'string')?.code;
  if (code === 'INVALID_LOGIN_CREDENTIALS') return new AuthError('ERR_NETSUITE_INVALID_LOGIN', { status, message: `NetSuite refused our credentials: ${fault.message}` });
  if (code === 'WS_CONCUR_SESSION_DISALLWD' || detail['exceededRequestLimitFault'] !== undefined) {
    return new RateLimitedError('ERR_NETSUITE_CONCURRENCY', { status, retryAfterMs: 1000, message: `NetSuite is limiting concurrent requests: ${fault.message}` });
  }
  return undefined;
};

describe('buildEnvelope', () => {
  it('writes the NetSuite get request for a customer', () => {
    const xml = buildEnvelope({
      version: '1.1',
      namespaces: NETSUITE,
      header: {
        'platformMsgs:tokenPassport': {
          'platformCore:account': '1234567_SB1',
          'platformCore:consumerKey': 'ck-7f3a',
          'platformCore:token': 'tk-91bc',
          'platformCore:nonce': 'Qm9uSm91cg',
          'platformCore:timestamp': 1767225600,
          'platformCore:signature': { '@_algorithm': 'HMAC-SHA256', '#text': 'dGVzdCBzaWduYXR1cmU=' },
        },
        'platformMsgs:preferences': { 'platformMsgs:ignoreReadOnlyFields': true },
      },
      body: {
        'platformMsgs:get': {
          'platformMsgs:baseRef': { '@_xsi:type': 'platformCore:RecordRef', '@_internalId': '1042', '@_type': 'customer' },
        },
      },
    });
    assert.equal(xml, compact(fixture('netsuite-get-customer.request.xml')));
  });

  it('escapes text and attributes so data cannot become markup', () => {
    const xml = buildEnvelope({
      version: '1.2',
      namespaces: { m: 'urn:example:orders?a=1&b="2"' },
      body: { 'm:note': { '@_title': 'a "quoted" <tag> & \t\n\r', '#text': 'Fish & Chips <b>]]></b>\r\n' } },
    });
    assert.equal(
      xml,
      '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope" xmlns:m="urn:example:orders?a=1&amp;b=&quot;2&quot;">' +
        '<soapenv:Body><m:note title="a &quot;quoted&quot; &lt;tag&gt; &amp; &#9;&#10;&#13;">Fish &amp; Chips &lt;b&gt;]]&gt;&lt;/b&gt;&#13;\n</m:note></soapenv:Body></soapenv:Envelope>',
    );
    // What was written reads back as what was given.
    const { body } = parseEnvelope(xml);
    assert.deepEqual(body, { note: { '@_title': 'a "quoted" <tag> & \t\n\r', '#text': 'Fish & Chips <b>]]></b>\r\n' } });
  });

  it('repeats arrays, leaves out null and undefined, writes dates in UTC and empty elements short', () => {
    const xml = buildEnvelope({
      version: '1.1',
      namespaces: { m: 'urn:m' },
      body: { 'm:op': { 'm:id': [1, 2], 'm:skip': null, 'm:gone': undefined, 'm:at': new Date('2026-01-02T03:04:05Z'), 'm:empty': '', 'm:bare': {} } },
    });
    assert.match(xml, /<m:op><m:id>1<\/m:id><m:id>2<\/m:id><m:at>2026-01-02T03:04:05.000Z<\/m:at><m:empty\/><m:bare\/><\/m:op>/);
  });

  it('refuses names that could inject markup, undeclared prefixes and characters XML cannot carry', () => {
    const build = (body: Record<string, unknown>, namespaces: Record<string, string> = { m: 'urn:m' }) => () =>
      buildEnvelope({ version: '1.1', namespaces, body: body as never });
    assert.throws(build({ 'm:a><evil/': 'x' }), /not a valid XML element name/);
    assert.throws(build({ 'm:a': { '@_x="1" y': 'x' } }), /not a valid XML attribute name/);
    assert.throws(build({ 'q:a': 'x' }), /prefix "q" of element q:a is not declared/);
    assert.throws(build({ 'm:a': { '@_q:b': '1' } }), /prefix "q" of attribute q:b on <m:a> is not declared/);
    assert.throws(build({ 'm:a': 'bell\u0007' }), /cannot carry/);
    assert.throws(build({ 'm:a': '\uD800' }), /cannot carry/);
    assert.throws(build({ 'm:a': Number.POSITIVE_INFINITY }), /Infinity/);
    assert.throws(build({ 'm:a': [[1]] }), /array inside an array/);
    assert.throws(build({ 'm:a': { '@_b': { c: 1 } } }), /must be a scalar/);
    assert.throws(build({ 'm:a': 'x' }, { soapenv: 'urn:other' }), /envelope's own/);
    assert.throws(build({ 'm:a': 'x' }, { 'bad prefix': 'urn:x' }), /not a valid prefix/);
    assert.throws(build({}), /operation element/);
    const cyclic: Record<string, unknown> = {};
    cyclic['m:self'] = cyclic;
    assert.throws(build({ 'm:a': cyclic }), /a cycle\?/);
  });

  it('accepts a prefix declared on the element that uses it', () => {
    const xml = buildEnvelope({ version: '1.1', body: { 'q:a': { '@_xmlns:q': 'urn:q', 'q:b': 'x' } } });
    assert.match(xml, /<q:a xmlns:q="urn:q"><q:b>x<\/q:b><\/q:a>/);
  });
});

describe('soapHeaders', () => {
  it('puts the action in SOAPAction for 1.1 and in the content type for 1.2', () => {
    assert.deepEqual(soapHeaders('1.1', 'get'), { 'content-type': 'text/xml; charset=utf-8', soapaction: '"get"' });
    assert.deepEqual(soapHeaders('1.2', 'urn:example:orders/Place'), { 'content-type': 'application/soap+xml; charset=utf-8; action="urn:example:orders/Place"' });
    assert.deepEqual(soapHeaders('1.2'), { 'content-type': 'application/soap+xml; charset=utf-8' });
    assert.throws(() => soapHeaders('1.1', 'get"\r\nX-Evil: 1'), /without quotes/);
    assert.throws(() => soapHeaders('2.0' as never, 'get'), /version/);
  });
});

describe('parseEnvelope', () => {
  it('reads the NetSuite get response by local names, with entities, CDATA and character references decoded', () => {
    const envelope = parseEnvelope(fixture('netsuite-get-customer.response.xml'), { arrays: ['customField', 'statusDetail'] });
    assert.equal(envelope.version, '1.1');
    assert.deepEqual(envelope.header, { documentInfo: { nsId: 'WEBSERVICES_1234567_SB1_010120261200001042_5f1e0' } });
    assert.deepEqual(envelope.body, {
      getResponse: {
        readResponse: {
          status: { '@_isSuccess': 'true' },
          record: {
            '@_internalId': '1042',
            '@_externalId': 'shop-77',
            '@_type': 'listRel:Customer',
            entityId: 'CUST-1042',
            isPerson: 'false',
            companyName: 'Fabrikam & Sons <EU>',
            email: 'ap@fabrikam.example',
            phone: '+44 20 7946 0000',
            comments: 'Prefers invoices by <email> & post',
            subsidiary: { '@_internalId': '1', name: 'Honeycomb Mfg. (Café)' },
            balance: '1250.50',
            dateCreated: '2025-11-03T09:14:27.000-08:00',
            customFieldList: {
              customField: [{ '@_internalId': '118', '@_scriptId': 'custentity_tier', '@_type': 'platformCore:StringCustomFieldRef', value: 'Gold' }],
            },
          },
        },
      },
    });
  });

  it('keeps prefixes and namespace declarations when asked', () => {
    const { body } = parseEnvelope(fixture('netsuite-get-customer.response.xml'), { keepPrefixes: true });
    const getResponse = body['getResponse'] as Record<string, Record<string, Record<string, unknown>>>;
    assert.equal(getResponse['@_xmlns'] as unknown, 'urn:messages_2023_2.platform.webservices.netsuite.com');
    const record = getResponse['readResponse']?.['record'] as Record<string, unknown>;
    assert.equal(record['@_xsi:type'], 'listRel:Customer');
    assert.equal(record['listRel:entityId'], 'CUST-1042');
  });

  it('reads a buffer, and what buildEnvelope wrote', () => {
    const xml = buildEnvelope({ version: '1.2', namespaces: { m: 'urn:m' }, header: { 'm:trace': 't-1' }, body: { 'm:op': { 'm:n': ['a', 'b'] } } });
    assert.deepEqual(parseEnvelope(Buffer.from(xml)), { version: '1.2', header: { trace: 't-1' }, body: { op: { n: ['a', 'b'] } } });
  });

  it('maps a NetSuite fault through classifyFault to an AuthError', () => {
    const error = rejection(() => parseEnvelope(fixture('netsuite-invalid-credentials.fault.xml'), { classifyFault: netsuiteFaults, status: 500 }));
    assert.ok(error instanceof AuthError);
    assert.equal(error.code, 'ERR_NETSUITE_INVALID_LOGIN');
    assert.equal(error.message, 'NetSuite refused our credentials: Invalid login attempt.');
  });

  it('reads a SOAP 1.1 fault, and without a hook a Server fault is retryable', () => {
    const error = rejection(() => parseEnvelope(fixture('netsuite-invalid-credentials.fault.xml'), { status: 500 }));
    assert.ok(error instanceof RetryableError);
    assert.equal(error.code, 'ERR_SOAP_SERVER_FAULT');
    assert.equal(error.status, 500);
    assert.equal(error.message, 'The destination is failing: Invalid login attempt (SOAP fault Server.userException)');
    assert.deepEqual(error.details, {
      fault: {
        version: '1.1',
        code: 'Server',
        subcodes: ['userException'],
        message: 'Invalid login attempt.',
        detail: {
          invalidCredentialsFault: { code: 'INVALID_LOGIN_CREDENTIALS', message: 'Invalid login attempt.' },
          hostname: 'partners07.prod.svale.netledger.com',
        },
      },
    });
  });

  it('maps NetSuite concurrency faults to RateLimitedError through the hook', () => {
    const xml = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault>
      <faultcode>soapenv:Server.userException</faultcode><faultstring>Only one request may be made against a session at a time</faultstring>
      <detail><platformFaults:exceededConcurrentRequestLimitFault xmlns:platformFaults="urn:faults_2023_2.platform.webservices.netsuite.com">
      <platformFaults:code>WS_CONCUR_SESSION_DISALLWD</platformFaults:code><platformFaults:message>Only one request may be made against a session at a time</platformFaults:message>
      </platformFaults:exceededConcurrentRequestLimitFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
    const error = rejection(() => parseEnvelope(xml, { classifyFault: netsuiteFaults }));
    assert.ok(error instanceof RateLimitedError);
    assert.equal(error.retryAfterMs, 1000);
  });

  it('reads a SOAP 1.2 fault: Code, Subcodes, English Reason, Role and Detail; Sender is a ValidationError', () => {
    let seen: SoapFault | undefined;
    const error = rejection(() =>
      parseEnvelope(fixture('soap12-sender-fault.xml'), {
        classifyFault: (fault) => {
          seen = fault;
          return undefined;
        },
      }),
    );
    assert.deepEqual(seen, {
      version: '1.2',
      code: 'Sender',
      subcodes: ['InvalidQuantity', 'BelowMinimum'],
      message: 'Quantity must be at least 1',
      actor: 'http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver',
      detail: { orderLine: '3' },
    });
    assert.ok(error instanceof ValidationError);
    assert.equal(error.code, 'ERR_SOAP_CLIENT_FAULT');
    assert.equal(error.message, 'The destination rejected the data we sent: Quantity must be at least 1 (SOAP fault Sender.InvalidQuantity.BelowMinimum)');
  });

  it('maps VersionMismatch and MustUnderstand to a PermanentError', () => {
    for (const [code, expected] of [['VersionMismatch', 'ERR_SOAP_VERSION_MISMATCH'], ['MustUnderstand', 'ERR_SOAP_MUST_UNDERSTAND'], ['Other', 'ERR_SOAP_FAULT']]) {
      const xml = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:${code}</faultcode><faultstring>no</faultstring></s:Fault></s:Body></s:Envelope>`;
      const error = rejection(() => parseEnvelope(xml));
      assert.ok(error instanceof PermanentError && !(error instanceof ValidationError), code);
      assert.equal(error.code, expected);
    }
  });

  it('tells a Fault in the envelope namespace from a body element that happens to be called Fault', () => {
    const xml = '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:Fault xmlns:m="urn:m">a record</m:Fault></s:Body></s:Envelope>';
    assert.deepEqual(parseEnvelope(xml).body, { Fault: 'a record' });
  });

  it('refuses what is not a SOAP envelope', () => {
    assert.equal(rejection(() => parseEnvelope('<html><body>Bad gateway</body></html>')).code, 'ERR_SOAP_NOT_ENVELOPE');
    assert.equal(rejection(() => parseEnvelope('Service Unavailable')).code, 'ERR_SOAP_MALFORMED');
    assert.equal(rejection(() => parseEnvelope('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/></s:Envelope>')).code, 'ERR_SOAP_NOT_ENVELOPE');
    assert.equal(rejection(() => parseEnvelope('<s:Envelope xmlns:s="urn:soap-2"><s:Body/></s:Envelope>')).code, 'ERR_SOAP_VERSION_MISMATCH');
  });

  it('refuses a truncated or mismatched document instead of reading part of it', () => {
    const whole = fixture('netsuite-get-customer.response.xml');
    const truncated = rejection(() => parseEnvelope(whole.slice(0, whole.indexOf('</readResponse>'))));
    assert.equal(truncated.code, 'ERR_SOAP_MALFORMED');
    assert.match(truncated.message, /not well-formed XML: .*line \d+/);
    assert.equal(rejection(() => parseEnvelope('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><a></b></s:Body></s:Envelope>')).code, 'ERR_SOAP_MALFORMED');
  });
});

describe('parseEnvelope security', () => {
  const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><lolz>&lol9;</lolz></soapenv:Body></soapenv:Envelope>`;

  it('rejects a billion-laughs document quickly, with a clear error', () => {
    const started = performance.now();
    const error = rejection(() => parseEnvelope(billionLaughs));
    const elapsed = performance.now() - started;
    assert.ok(error instanceof PermanentError);
    assert.equal(error.code, 'ERR_SOAP_UNSAFE_XML');
    assert.match(error.message, /declares a DTD .* refused unread/);
    assert.ok(elapsed < 100, `took ${elapsed} ms`);
  });

  it('rejects an external entity without reading the file', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><x>&xxe;</x></soapenv:Body></soapenv:Envelope>`;
    const error = rejection(() => parseEnvelope(xxe));
    assert.equal(error.code, 'ERR_SOAP_UNSAFE_XML');
    assert.doesNotMatch(JSON.stringify({ message: error.message, details: error.details }), /root:/);
  });

  it('rejects a DTD however it is spelled or wherever it hides', () => {
    for (const xml of ['<!doctype x>', '<! DOCTYPE x>', '<a><!ENTITY x "y"></a>']) {
      assert.equal(rejection(() => parseEnvelope(xml)).code, 'ERR_SOAP_UNSAFE_XML', xml);
    }
  });

  it('leaves an undeclared entity reference as text rather than expanding anything', () => {
    const xml = '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><x>&amp;xxe;</x></s:Body></s:Envelope>';
    assert.deepEqual(parseEnvelope(xml).body, { x: '&xxe;' });
  });

  it('rejects a deep nesting bomb quickly', () => {
    const depth = 200_000;
    const bomb = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</s:Body></s:Envelope>`;
    const started = performance.now();
    const error = rejection(() => parseEnvelope(bomb));
    const elapsed = performance.now() - started;
    assert.equal(error.code, 'ERR_SOAP_TOO_DEEP');
    assert.match(error.message, /deeper than 64 levels/);
    assert.ok(elapsed < 100, `took ${elapsed} ms`);
  });

  it('applies maxDepth exactly: the Envelope is level 1', () => {
    const nested = (levels: number) =>
      `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>${'<a>'.repeat(levels)}x${'</a>'.repeat(levels)}</s:Body></s:Envelope>`;
    assert.doesNotThrow(() => parseEnvelope(nested(3), { maxDepth: 5 }));
    assert.equal(rejection(() => parseEnvelope(nested(4), { maxDepth: 5 })).code, 'ERR_SOAP_TOO_DEEP');
  });

  it('refuses a document over maxBytes before parsing it', () => {
    const xml = fixture('netsuite-get-customer.response.xml');
    const error = rejection(() => parseEnvelope(xml, { maxBytes: 1024 }));
    assert.equal(error.code, 'ERR_SOAP_TOO_LARGE');
    assert.match(error.message, /over the 1024-byte limit/);
  });

  it('refuses a prefixed __proto__ element instead of writing through it', () => {
    const xml = '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:__proto__ xmlns:m="urn:m"><polluted>1</polluted></m:__proto__></s:Body></s:Envelope>';
    assert.equal(rejection(() => parseEnvelope(xml)).code, 'ERR_SOAP_UNSAFE_XML');
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});

describe('soapError (an action errors hook)', () => {
  it('returns the fault error for a SOAP 1.1 fault sent with HTTP 500', () => {
    const error = soapError(soapResponse(fixture('netsuite-invalid-credentials.fault.xml'), 500), { classifyFault: netsuiteFaults });
    assert.ok(error instanceof AuthError);
    assert.equal(error.status, 500);
  });

  it('is undefined for a normal response, and for a failed status whose body is not SOAP', () => {
    assert.equal(soapError(soapResponse(fixture('netsuite-get-customer.response.xml'))), undefined);
    assert.equal(soapError(soapResponse('<html><h1>502 Bad Gateway</h1></html>', 502)), undefined);
  });

  it('is an error for a 2xx that is not SOAP, and for unsafe XML at any status', () => {
    assert.equal(soapError(soapResponse('<html>maintenance</html>'))?.code, 'ERR_SOAP_NOT_ENVELOPE');
    assert.equal(soapError(soapResponse('<!DOCTYPE x [<!ENTITY a "b">]><x/>', 500))?.code, 'ERR_SOAP_UNSAFE_XML');
  });
});
