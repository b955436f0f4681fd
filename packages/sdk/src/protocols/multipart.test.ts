import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeMultipart, parseMultipart, type MultipartPart } from './multipart.ts';

const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);

describe('encodeMultipart', () => {
  it('writes RFC 7578 form-data with a given boundary', () => {
    const { body, contentType } = encodeMultipart(
      [
        { name: 'purpose', value: 'dispute_evidence' },
        { name: 'file', value: { filename: 'receipt.png', contentType: 'image/png', data: png } },
      ],
      'XyZ123',
    );
    assert.equal(contentType, 'multipart/form-data; boundary=XyZ123');
    const expected = Buffer.concat([
      Buffer.from(
        '--XyZ123\r\nContent-Disposition: form-data; name="purpose"\r\n\r\ndispute_evidence\r\n' +
          '--XyZ123\r\nContent-Disposition: form-data; name="file"; filename="receipt.png"\r\nContent-Type: image/png\r\n\r\n',
      ),
      png,
      Buffer.from('\r\n--XyZ123--\r\n'),
    ]);
    assert.deepEqual(body, expected);
  });

  it('escapes quotes and line breaks in names so a name cannot add a header', () => {
    const { body } = encodeMultipart([{ name: 'a"\r\nX-Evil: 1', value: { filename: 'r"é.txt', contentType: 'text/plain; charset=utf-8', data: Buffer.from('x') } }], 'b');
    const head = body.toString('utf8').split('\r\n\r\n')[0];
    assert.equal(head, '--b\r\nContent-Disposition: form-data; name="a%22%0D%0AX-Evil: 1"; filename="r%22é.txt"\r\nContent-Type: text/plain; charset=utf-8');
  });

  it('generates a boundary that does not occur in the data', () => {
    const { body, contentType } = encodeMultipart([{ name: 'f', value: 'hello' }]);
    const boundary = /boundary=(.+)$/.exec(contentType)?.[1] ?? '';
    assert.match(boundary, /^----WeftFormBoundary[0-9a-f]{32}$/);
    assert.ok(body.toString().startsWith(`--${boundary}\r\n`));
    assert.notEqual(encodeMultipart([{ name: 'f', value: 'hello' }]).contentType, contentType);
  });

  it('refuses a given boundary found in the data, a bad boundary and bad parts', () => {
    assert.throws(() => encodeMultipart([{ name: 'f', value: 'a\r\n--b\r\n' }], 'b'), /boundary occurs inside a part/);
    assert.throws(() => encodeMultipart([{ name: 'f', value: 'x' }], 'has space'), /1-70 characters/);
    assert.throws(() => encodeMultipart([{ name: 'f', value: 'x' }], 'x'.repeat(71)), /1-70 characters/);
    assert.throws(() => encodeMultipart([{ name: '', value: 'x' }]), /non-empty name/);
    assert.throws(() => encodeMultipart([{ name: 'f', value: { filename: 'a', contentType: 'text/plain\r\nX: y', data: png } }]), /invalid contentType/);
    assert.throws(() => encodeMultipart([{ name: 'f', value: { filename: 'a', contentType: 'image/png', data: 'not bytes' as never } }]), /string or \{ filename/);
  });
});

describe('parseMultipart', () => {
  it('reads back what encodeMultipart wrote, bytes intact', () => {
    const parts: MultipartPart[] = [
      { name: 'purpose', value: 'dispute_evidence' },
      { name: 'note', value: 'línea 1\r\nlínea 2' },
      { name: 'we"ird', value: { filename: 'receipt.png', contentType: 'image/png', data: png } },
      { name: 'empty', value: '' },
    ];
    const { body, contentType } = encodeMultipart(parts);
    assert.deepEqual(parseMultipart(body, contentType), parts);
  });

  it('accepts a quoted boundary and other parameters, and defaults a file content type', () => {
    const body = Buffer.from('preamble\r\n--a b\r\nContent-Disposition: form-data; name="f"; filename="x.bin"\r\n\r\nxyz\r\n--a b--\r\n');
    assert.deepEqual(parseMultipart(body, 'multipart/form-data; charset=utf-8; boundary="a b"'), [
      { name: 'f', value: { filename: 'x.bin', contentType: 'application/octet-stream', data: Buffer.from('xyz') } },
    ]);
  });

  it('rejects a body cut short or a content type without a boundary', () => {
    const { body, contentType } = encodeMultipart([{ name: 'f', value: 'hello' }], 'b');
    assert.throws(() => parseMultipart(body.subarray(0, body.length - 10), contentType), /truncated/);
    assert.throws(() => parseMultipart(body, 'application/json'), /not multipart\/form-data/);
    assert.throws(() => parseMultipart(Buffer.from('nothing'), contentType), /does not contain its boundary/);
  });
});
