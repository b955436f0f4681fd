import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeForm, encodeForm } from './form.ts';

describe('encodeForm', () => {
  it('encodes a Stripe checkout session the way Stripe reads nested keys', () => {
    const body = encodeForm({
      mode: 'payment',
      success_url: 'https://shop.example/ok?session={CHECKOUT_SESSION_ID}',
      line_items: [
        { price: 'price_1Mx', quantity: 2 },
        { price_data: { currency: 'eur', unit_amount: 1999, product_data: { name: 'Café crème' } }, quantity: 1 },
      ],
      metadata: { order_id: '6735' },
      expand: ['payment_intent', 'customer'],
      allow_promotion_codes: true,
    });
    assert.equal(
      body,
      [
        'mode=payment',
        'success_url=https%3A%2F%2Fshop.example%2Fok%3Fsession%3D%7BCHECKOUT_SESSION_ID%7D',
        'line_items[0][price]=price_1Mx',
        'line_items[0][quantity]=2',
        'line_items[1][price_data][currency]=eur',
        'line_items[1][price_data][unit_amount]=1999',
        'line_items[1][price_data][product_data][name]=Caf%C3%A9%20cr%C3%A8me',
        'line_items[1][quantity]=1',
        'metadata[order_id]=6735',
        'expand[0]=payment_intent',
        'expand[1]=customer',
        'allow_promotion_codes=true',
      ].join('&'),
    );
  });

  it('unsets with null and clears a list with [], but leaves out undefined and {}', () => {
    assert.equal(
      encodeForm({ description: null, default_tax_rates: [], coupon: undefined, metadata: {}, off: false }),
      'description=&default_tax_rates=&off=false',
    );
  });

  it('sends dates as unix seconds and big integers exactly', () => {
    assert.equal(encodeForm({ trial_end: new Date('2026-03-01T00:00:00.999Z'), n: 9007199254740993n }), 'trial_end=1772323200&n=9007199254740993');
  });

  it('escapes the separators inside keys and values', () => {
    assert.equal(encodeForm({ 'a&b=c': 'x&y=z+1 %' }), 'a%26b%3Dc=x%26y%3Dz%2B1%20%25');
  });

  it('refuses what a form cannot carry', () => {
    assert.throws(() => encodeForm({ amount: Number.NaN }), /amount is NaN/);
    assert.throws(() => encodeForm({ at: new Date('nope') }), /invalid Date/);
    assert.throws(() => encodeForm({ metadata: { 'a[b]': 'x' } }), /no \[ or \]/);
    assert.throws(() => encodeForm({ file: Buffer.from('x') as never }), /cannot carry/);
    assert.throws(() => encodeForm([] as never), /plain object/);
  });
});

describe('decodeForm', () => {
  it('inverts encodeForm into nested objects and arrays of strings', () => {
    const input = {
      line_items: [{ price: 'price_1Mx', quantity: 2 }, { price: 'price_2', quantity: 1 }],
      metadata: { order_id: '6735', note: 'a&b = c' },
      expand: ['customer'],
      description: null,
    };
    assert.deepEqual(decodeForm(encodeForm(input)), {
      line_items: [{ price: 'price_1Mx', quantity: '2' }, { price: 'price_2', quantity: '1' }],
      metadata: { order_id: '6735', note: 'a&b = c' },
      expand: ['customer'],
      description: '',
    });
  });

  it('reads + as a space, [] as append, and indices in any order', () => {
    assert.deepEqual(decodeForm('q=a+b&expand[]=x&expand[]=y&l[1]=second&l[0]=first'), {
      q: 'a b',
      expand: ['x', 'y'],
      l: ['first', 'second'],
    });
  });

  it('keeps sparse or named indices as an object', () => {
    assert.deepEqual(decodeForm('a[0]=x&a[2]=y'), { a: { 0: 'x', 2: 'y' } });
  });

  it('refuses prototype keys, duplicates and conflicts', () => {
    assert.throws(() => decodeForm('__proto__[polluted]=1'), /not allowed/);
    assert.throws(() => decodeForm('a[constructor][prototype][x]=1'), /not allowed/);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.throws(() => decodeForm('a=1&a=2'), /given twice/);
    assert.throws(() => decodeForm('a=1&a[b]=2'), /conflicts/);
    assert.throws(() => decodeForm('a]=1'), /malformed key/);
    assert.throws(() => decodeForm('a=%E0%A4%A'), /percent-encoding/);
  });
});
