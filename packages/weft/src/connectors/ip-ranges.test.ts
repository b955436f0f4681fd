import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, classifyAddress, parseAddress, parseCidr, type AddressCategory } from './ip-ranges.ts';

describe('classifyAddress', () => {
  const cases: [string, AddressCategory][] = [
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['100.100.100.200', 'metadata'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'metadata'],
    ['169.254.1.1', 'link-local'],
    ['172.15.255.255', 'public'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.0.0.8', 'reserved'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'reserved'],
    ['198.19.255.255', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['fd00:ec2::254', 'metadata'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::7f00:1', 'reserved'], // deprecated IPv4-compatible form
    ['2001:db8::1', 'reserved'],
    ['100::1', 'reserved'],
    ['2606:4700::1111', 'public'],
    ['2a00:1450:4001::200e', 'public'],
  ];
  for (const [ip, category] of cases) {
    it(`${ip} is ${category}`, () => {
      const verdict = classifyAddress(ip);
      assert.equal(verdict.category, category);
      assert.equal(verdict.blocked, category !== 'public');
    });
  }

  it('judges an IPv6 address that carries an IPv4 one by the IPv4 address', () => {
    assert.deepEqual(classifyAddress('::ffff:127.0.0.1'), {
      address: '::ffff:127.0.0.1',
      family: 6,
      category: 'loopback',
      blocked: true,
      embeddedIpv4: '127.0.0.1',
    });
    assert.equal(classifyAddress('::ffff:a9fe:a9fe').category, 'metadata');
    assert.equal(classifyAddress('64:ff9b::10.0.0.1').category, 'private');
    assert.equal(classifyAddress('64:ff9b::808:808').category, 'public');
    assert.equal(classifyAddress('2002:7f00:1::').embeddedIpv4, '127.0.0.1');
    assert.equal(classifyAddress('2002:808:808::1').blocked, false);
  });

  it('classifies the hostnames the WHATWG URL parser makes of numeric and mapped hosts', () => {
    const hosts: [string, string, AddressCategory][] = [
      ['http://2130706433/', '127.0.0.1', 'loopback'],
      ['http://0x7f000001/', '127.0.0.1', 'loopback'],
      ['http://0177.0.0.1/', '127.0.0.1', 'loopback'],
      ['http://127.1/', '127.0.0.1', 'loopback'],
      ['http://0/', '0.0.0.0', 'unspecified'],
      ['http://0xa9fea9fe/', '169.254.169.254', 'metadata'],
      ['http://[::ffff:127.0.0.1]/', '[::ffff:7f00:1]', 'loopback'],
      ['http://[0:0:0:0:0:0:0:1]/', '[::1]', 'loopback'],
    ];
    for (const [url, hostname, category] of hosts) {
      const parsed = new URL(url).hostname;
      assert.equal(parsed, hostname, url);
      assert.equal(classifyAddress(parsed).category, category, url);
    }
  });

  it('rejects host names and non-canonical numeric forms: they must be resolved first', () => {
    for (const text of ['localhost', 'example.com', '2130706433', '0x7f000001', '0177.0.0.1', '', '1.2.3']) {
      assert.throws(() => classifyAddress(text), TypeError, text);
    }
  });
});

describe('parseCidr', () => {
  it('parses IPv4 and IPv6 blocks and matches addresses of the same family only', () => {
    const ten = parseCidr('10.0.0.0/8');
    assert.ok(ten);
    assert.equal(cidrContains(ten, parseAddress('10.200.0.1')!), true);
    assert.equal(cidrContains(ten, parseAddress('11.0.0.1')!), false);
    assert.equal(cidrContains(ten, parseAddress('::a00:1')!), false);
    const ula = parseCidr('fd00::/8');
    assert.ok(ula);
    assert.equal(cidrContains(ula, parseAddress('fd12::1')!), true);
    assert.equal(cidrContains(ula, parseAddress('fe80::1')!), false);
  });

  it('ignores host bits and accepts /0 and full-length prefixes', () => {
    assert.deepEqual(parseCidr('10.1.2.3/8'), parseCidr('10.0.0.0/8'));
    assert.equal(cidrContains(parseCidr('0.0.0.0/0')!, parseAddress('203.0.113.9')!), true);
    assert.equal(cidrContains(parseCidr('127.0.0.1/32')!, parseAddress('127.0.0.2')!), false);
    assert.equal(cidrContains(parseCidr('[::1]/128')!, parseAddress('::1')!), true);
  });

  it('rejects malformed blocks', () => {
    for (const text of ['10.0.0.0', '10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/-1', 'example.com/8', '10.0.0.0/8/8']) {
      assert.equal(parseCidr(text), undefined, text);
    }
  });
});
