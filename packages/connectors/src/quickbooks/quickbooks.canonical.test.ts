import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { canonical, type CanonicalOrder, type CanonicalRefund, type Mapping } from '@weft/sdk';
import { createTestHttpClient, runAction } from '@weft/sdk/testing';
import { createCreditMemo } from './create-credit-memo.action.ts';
import { createInvoice } from './create-invoice.action.ts';
import { createPayment } from './create-payment.action.ts';
import {
  customerFromCanonical,
  customerToCanonical,
  invoiceFromCanonical,
  invoiceToCanonical,
  orderToInvoice,
  paymentFromCanonical,
  quickbooksMappings,
  refundToCreditMemo,
} from './quickbooks.canonical.ts';
import { quickbooks } from './quickbooks.connector.ts';
import { startQuickBooksSandbox, type QuickBooksSandbox } from './quickbooks.sandbox.ts';
import type { QuickBooksCustomer, QuickBooksInvoice } from './quickbooks.schemas.ts';
import { assertMatchesSchema } from '../testing/assert-schema.ts';


/** A from-canonical output must be input the action accepts. */
function assertFitsInput(mapping: Mapping, value: unknown): void {
  const problems = [...Value.Errors(mapping.output, value)].map((error) => `${error.path} ${error.message}`);
  assert.deepEqual(problems, [], `${mapping.id} output does not fit its action's input`);
}

// Vendor-shaped fixtures, as QuickBooks answers them (minor version 75).
const qboCustomer: QuickBooksCustomer = {
  Id: '58',
  SyncToken: '3',
  DisplayName: "Amy's Bird Sanctuary",
  GivenName: 'Amy',
  FamilyName: 'Lauterbach',
  CompanyName: "Amy's Bird Sanctuary",
  FullyQualifiedName: "Amy's Bird Sanctuary",
  PrimaryEmailAddr: { Address: 'birds@intuit.com' },
  PrimaryPhone: { FreeFormNumber: '(650) 555-3311' },
  BillAddr: { Id: '2', Line1: '4581 Finch St.', City: 'Bayshore', CountrySubDivisionCode: 'CA', PostalCode: '94326', Country: 'USA' },
  Active: true,
  Balance: 239,
  CurrencyRef: { value: 'USD', name: 'United States Dollar' },
  MetaData: { CreateTime: '2026-01-05T09:00:00-08:00', LastUpdatedTime: '2026-03-01T14:10:02-08:00' },
};

const qboInvoice: QuickBooksInvoice = {
  Id: '130',
  SyncToken: '0',
  DocNumber: '1037',
  TxnDate: '2026-02-14',
  DueDate: '2026-03-16',
  CustomerRef: { value: '58', name: "Amy's Bird Sanctuary" },
  Line: [
    { Id: '1', LineNum: 1, Description: 'Rock Fountain', Amount: 275, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '5', name: 'Rock Fountain' }, Qty: 1, UnitPrice: 275 } },
    { Id: '2', LineNum: 2, Amount: 12.75, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '11', name: 'Pump' }, Qty: 3, UnitPrice: 4.25 } },
    { Amount: 287.75, DetailType: 'SubTotalLineDetail' },
  ],
  TotalAmt: 287.75,
  Balance: 287.75,
  CurrencyRef: { value: 'USD', name: 'United States Dollar' },
  BillEmail: { Address: 'birds@intuit.com' },
  MetaData: { CreateTime: '2026-02-14T10:00:00-08:00', LastUpdatedTime: '2026-02-14T10:00:00-08:00' },
};

const order: CanonicalOrder = {
  ids: { shopify: '7001' },
  number: '#1001',
  status: 'confirmed',
  financialStatus: 'paid',
  currency: 'USD',
  customer: { email: 'jane@example.com', firstName: 'Jane', lastName: 'Doe' },
  lines: [
    { sku: 'WIDGET-1', name: 'Widget', quantity: { value: '2', unit: 'each' }, unitPrice: { amount: '19.99', currency: 'USD' }, total: { amount: '39.98', currency: 'USD' } },
    {
      sku: 'GADGET-2',
      quantity: { value: '3', unit: 'each' },
      unitPrice: { amount: '45.00', currency: 'USD' },
      discount: { amount: '10.00', currency: 'USD' },
      total: { amount: '125.00', currency: 'USD' },
    },
  ],
  subtotal: { amount: '164.98', currency: 'USD' },
  shipping: { amount: '5.00', currency: 'USD' },
  total: { amount: '169.98', currency: 'USD' },
  placedAt: '2026-03-02T18:30:00-05:00',
};
const SANDBOX_ITEM_IDS = { 'WIDGET-1': '3', 'GADGET-2': '4' };

describe('quickbooks mappings', () => {
  it('lists every mapping on the connector', () => {
    assert.deepEqual(quickbooks.mappings.map((mapping) => mapping.id), quickbooksMappings.map((mapping) => mapping.id));
  });

  it('customer-to-canonical: names, email, address with an ISO country, ids under quickbooks, what has no canonical home in custom', () => {
    const record = customerToCanonical.map(qboCustomer);
    assertMatchesSchema(canonical.Customer, record, 'canonical record');
    assert.deepEqual(record.ids, { quickbooks: '58' });
    assert.equal(record.email, 'birds@intuit.com');
    assert.deepEqual(record.billingAddress, { lines: ['4581 Finch St.'], city: 'Bayshore', region: 'CA', postalCode: '94326', country: 'US' });
    // "(650) 555-3311" has no country code, so it cannot be E.164: kept, not guessed.
    assert.equal(record.phone, undefined);
    assert.deepEqual(record.custom, { displayName: "Amy's Bird Sanctuary", active: true, balance: '239.00', syncToken: '3', phone: '(650) 555-3311' });
    assert.equal(record.updatedAt, '2026-03-01T14:10:02-08:00');
  });

  it('customer-to-canonical: an international phone becomes E.164; an address without a known country stays in custom', () => {
    const record = customerToCanonical.map({
      ...qboCustomer,
      PrimaryPhone: { FreeFormNumber: '+44 20 7946 0958' },
      PrimaryEmailAddr: { Address: 'not an email' },
      BillAddr: { Line1: '1 Main St', City: 'Springfield', Country: 'Freedonia' },
    });
    assertMatchesSchema(canonical.Customer, record, 'canonical record');
    assert.equal(record.phone, '+442079460958');
    assert.equal(record.email, undefined);
    assert.equal(record.billingAddress, undefined);
    assert.deepEqual((record.custom as { billAddr: unknown }).billAddr, { Line1: '1 Main St', City: 'Springfield', Country: 'Freedonia' });
  });

  it('customer-from-canonical: DisplayName from the company, else the person, else the email; a nameless customer is refused', () => {
    const input = customerFromCanonical.map({
      email: 'jane@example.com',
      firstName: 'Jane',
      lastName: 'Doe',
      phone: '+14155550100',
      billingAddress: { lines: ['1 Market St', 'Suite 300'], city: 'San Francisco', region: 'CA', postalCode: '94105', country: 'US' },
    });
    assertFitsInput(customerFromCanonical, input);
    assert.equal(input.DisplayName, 'Jane Doe');
    assert.deepEqual(input.BillAddr, { Line1: '1 Market St', Line2: 'Suite 300', City: 'San Francisco', CountrySubDivisionCode: 'CA', PostalCode: '94105', Country: 'US' });
    assert.equal(customerFromCanonical.map({ company: 'Acme', firstName: 'Jane' }).DisplayName, 'Acme');
    assert.equal(customerFromCanonical.map({ email: 'solo@example.com' }).DisplayName, 'solo@example.com');
    assert.throws(() => customerFromCanonical.map({ phone: '+14155550100' }), /no company, name or email/);
  });

  it('invoice-to-canonical: item lines only (not the SubTotal line), money as decimal strings, open while a balance remains', () => {
    const record = invoiceToCanonical.map(qboInvoice);
    assertMatchesSchema(canonical.Invoice, record, 'canonical record');
    assert.equal(record.lines.length, 2);
    assert.deepEqual(record.lines[1], {
      ids: { quickbooks: '2' },
      sku: 'Pump',
      quantity: { value: '3', unit: 'each' },
      unitPrice: { amount: '4.25', currency: 'USD' },
      total: { amount: '12.75', currency: 'USD' },
    });
    assert.deepEqual([record.subtotal?.amount, record.total.amount, record.balance?.amount], ['287.75', '287.75', '287.75']);
    assert.equal(record.status, 'open');
    assert.deepEqual(record.customer.ids, { quickbooks: '58' });
    assert.equal(invoiceToCanonical.map({ ...qboInvoice, Balance: 0 }).status, 'paid');
    assert.throws(() => invoiceToCanonical.map({ ...qboInvoice, Line: [{ Amount: 0, DetailType: 'SubTotalLineDetail' }] }), /no item lines/);
  });

  it('invoice-from-canonical: the customer and items by Id, Amount = Qty × UnitPrice; an unknown SKU is refused', () => {
    const record = invoiceToCanonical.map(qboInvoice);
    const input = invoiceFromCanonical.map({ invoice: record, customerId: '58', itemIds: { 'Rock Fountain': '5', Pump: '11' } });
    assertFitsInput(invoiceFromCanonical, input);
    assert.deepEqual(input.Line[1], { Amount: 12.75, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '11' }, Qty: 3, UnitPrice: 4.25 } });
    assert.deepEqual([input.DocNumber, input.TxnDate, input.DueDate, input.CurrencyRef], ['1037', '2026-02-14', '2026-03-16', { value: 'USD' }]);
    assert.throws(() => invoiceFromCanonical.map({ invoice: record, customerId: '58', itemIds: { Pump: '11' } }), /no QuickBooks Item Id for SKU Rock Fountain/);
  });

  it('order-to-invoice: a discount folds into the unit price, shipping becomes a line, the date is the order\'s own', () => {
    const input = orderToInvoice.map({ order, customerId: '1', itemIds: SANDBOX_ITEM_IDS, shippingItemId: '5' });
    assertFitsInput(orderToInvoice, input);
    assert.deepEqual(
      input.Line.map((line) => [line.Amount, line.SalesItemLineDetail.Qty, line.SalesItemLineDetail.UnitPrice, line.SalesItemLineDetail.ItemRef.value]),
      [
        [39.98, 2, 19.99, '3'],
        [125, 3, 41.6666667, '4'],
        [5, 1, 5, '5'],
      ],
    );
    assert.equal(input.TxnDate, '2026-03-02');
    assert.throws(() => orderToInvoice.map({ order, customerId: '1', itemIds: SANDBOX_ITEM_IDS }), /charges shipping; give shippingItemId/);
  });

  it('payment-from-canonical: applied to the invoice when one is named, left unapplied when not', () => {
    const payment = {
      ids: { stripe: 'pi_3Nx' },
      amount: { amount: '169.98', currency: 'USD' },
      method: 'card',
      status: 'succeeded' as const,
      processedAt: '2026-03-02T18:31:00-05:00',
    };
    const applied = paymentFromCanonical.map({ payment, customerId: '1', invoiceId: '130' });
    assertFitsInput(paymentFromCanonical, applied);
    assert.deepEqual(applied.Line, [{ Amount: 169.98, LinkedTxn: [{ TxnId: '130', TxnType: 'Invoice' }] }]);
    assert.deepEqual([applied.TotalAmt, applied.PaymentRefNum, applied.TxnDate], [169.98, 'pi_3Nx', '2026-03-02']);
    assert.equal(paymentFromCanonical.map({ payment, customerId: '1' }).Line, undefined);
    assert.throws(() => paymentFromCanonical.map({ payment: { ...payment, amount: { amount: '0', currency: 'USD' } }, customerId: '1' }), /must be positive/);
  });

  it('refund-to-credit-memo: lines credit their items; a refund without lines is one line on refundItemId', () => {
    const refund: CanonicalRefund = {
      amount: { amount: '39.98', currency: 'USD' },
      reason: 'Damaged in transit',
      lines: [{ sku: 'WIDGET-1', quantity: { value: '2', unit: 'each' }, amount: { amount: '39.98', currency: 'USD' } }],
      status: 'succeeded',
      createdAt: '2026-03-09T12:00:00Z',
    };
    const itemised = refundToCreditMemo.map({ refund, customerId: '1', itemIds: SANDBOX_ITEM_IDS });
    assertFitsInput(refundToCreditMemo, itemised);
    assert.deepEqual(itemised.Line, [{ Amount: 39.98, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '3' }, Qty: 2, UnitPrice: 19.99 } }]);
    assert.equal(itemised.PrivateNote, 'Damaged in transit');
    const { lines: _lines, ...lumpSum } = refund;
    const single = refundToCreditMemo.map({ refund: lumpSum, customerId: '1', refundItemId: '1' });
    assert.deepEqual(single.Line, [{ Amount: 39.98, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '1' }, Qty: 1, UnitPrice: 39.98 } }]);
    assert.throws(() => refundToCreditMemo.map({ refund: lumpSum, customerId: '1' }), /give refundItemId/);
  });
});

describe('quickbooks mappings round-trip through the sandbox', () => {
  let sandbox: QuickBooksSandbox;
  let http: ReturnType<typeof createTestHttpClient>;
  before(async () => {
    sandbox = await startQuickBooksSandbox();
    http = createTestHttpClient({ baseUrl: `${sandbox.url}/v3/company/${sandbox.realmId}`, headers: { authorization: `Bearer ${sandbox.accessToken}` } });
  });
  after(() => sandbox.close());

  it('an order becomes an invoice QuickBooks accepts, which maps back to a valid canonical invoice with the same total', async () => {
    const input = orderToInvoice.map({ order, customerId: '1', itemIds: SANDBOX_ITEM_IDS, shippingItemId: '5' });
    const { Invoice } = await runAction(createInvoice, input, { http });
    const record = invoiceToCanonical.map(Invoice);
    assertMatchesSchema(canonical.Invoice, record, 'canonical record');
    assert.equal(record.total.amount, '169.98');
    assert.deepEqual(record.lines.map((line) => line.sku), ['Widget', 'Gadget', 'Shipping']);

    const payment = paymentFromCanonical.map({
      payment: { amount: { amount: '169.98', currency: 'USD' }, status: 'succeeded', processedAt: '2026-03-02T18:31:00Z' },
      customerId: '1',
      invoiceId: Invoice.Id,
    });
    await runAction(createPayment, payment, { http });
    const refund = refundToCreditMemo.map({
      refund: { amount: { amount: '19.99', currency: 'USD' }, status: 'succeeded', createdAt: '2026-03-09T12:00:00Z' },
      customerId: '1',
      refundItemId: '3',
    });
    const { CreditMemo } = await runAction(createCreditMemo, refund, { http });
    assert.equal(CreditMemo.TotalAmt, 19.99);
    const paid = sandbox.state().realms.get(sandbox.realmId)!.invoices.get(Invoice.Id)!;
    assert.equal(invoiceToCanonical.map(paid).status, 'paid');
  });
});
