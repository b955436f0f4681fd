import {
  canonical,
  defineMapping,
  schema,
  type CanonicalAddress,
  type CanonicalCustomer,
  type CanonicalInvoice,
  type CanonicalMoney,
  type CanonicalOrderLine,
  type Infer,
} from '@weft/sdk';
import { createCreditMemo } from './create-credit-memo.action.ts';
import { createCustomer } from './create-customer.action.ts';
import { createInvoice } from './create-invoice.action.ts';
import { createPayment } from './create-payment.action.ts';
import { QUICKBOOKS_IDS_KEY } from './quickbooks.fixtures.ts';
import { customer, invoice, physicalAddress, type QuickBooksCustomer, type QuickBooksInvoice } from './quickbooks.schemas.ts';

/**
 * QuickBooks ⇄ canonical. QuickBooks names everything it links by Id (CustomerRef, ItemRef,
 * LinkedTxn), and a canonical record cannot hold those Ids without knowing the connection's name,
 * so the from-canonical mappings take them beside the record: `{ invoice, customerId, itemIds }`.
 * The to-canonical mappings put QuickBooks Ids under `ids.quickbooks`, the connector's id.
 * Amounts: QuickBooks sends and takes JSON numbers; canonical money is decimal strings.
 */

type QuickBooksAddress = Infer<typeof physicalAddress>;

const idMap = schema.Record(schema.String({ minLength: 1 }), schema.String({ pattern: '^[0-9]+$' }), {
  description: 'SKU → QuickBooks Item Id (ItemRef.value) for every SKU the record names.',
});
const quickbooksId = (description: string) => schema.String({ pattern: '^[0-9]+$', description });

// ---- Customer --------------------------------------------------------------------------------

export const customerToCanonical = defineMapping({
  id: 'customer-to-canonical',
  name: 'QuickBooks customer → canonical customer',
  direction: 'to-canonical',
  canonical: 'customer@1',
  input: customer,
  output: canonical.Customer,
  map: (qbo) => toCanonicalCustomer(qbo),
});

export const customerFromCanonical = defineMapping({
  id: 'customer-from-canonical',
  name: 'Canonical customer → create-customer input',
  description: 'DisplayName is the company, else "first last", else the email: QuickBooks needs a name unique among customers.',
  direction: 'from-canonical',
  canonical: 'customer@1',
  input: canonical.Customer,
  output: createCustomer.input,
  map: (record) => {
    const person = [record.firstName, record.lastName].filter(isText).join(' ');
    const displayName = record.company ?? (person === '' ? record.email : person);
    if (displayName === undefined || displayName.trim() === '') {
      throw new TypeError('customer-from-canonical: the customer has no company, name or email to give QuickBooks as its DisplayName');
    }
    return {
      DisplayName: displayName.trim(),
      ...optional('GivenName', record.firstName),
      ...optional('FamilyName', record.lastName),
      ...optional('CompanyName', record.company),
      ...(record.email === undefined ? {} : { PrimaryEmailAddr: { Address: record.email } }),
      ...(record.phone === undefined ? {} : { PrimaryPhone: { FreeFormNumber: record.phone } }),
      ...(record.billingAddress === undefined ? {} : { BillAddr: fromCanonicalAddress(record.billingAddress) }),
      ...(record.shippingAddress === undefined ? {} : { ShipAddr: fromCanonicalAddress(record.shippingAddress) }),
    };
  },
});

// ---- Invoice ---------------------------------------------------------------------------------

export const invoiceToCanonical = defineMapping({
  id: 'invoice-to-canonical',
  name: 'QuickBooks invoice → canonical invoice',
  description: 'Item lines only (QuickBooks adds a SubTotalLineDetail line to every answer); the SKU is the item\'s name, as invoice lines do not carry the item\'s Sku.',
  direction: 'to-canonical',
  canonical: 'invoice@1',
  input: invoice,
  output: canonical.Invoice,
  map: (qbo) => toCanonicalInvoice(qbo),
});

const invoiceInput = createInvoice.input;

export const invoiceFromCanonical = defineMapping({
  id: 'invoice-from-canonical',
  name: 'Canonical invoice → create-invoice input',
  direction: 'from-canonical',
  canonical: 'invoice@1',
  input: schema.Object({ invoice: canonical.Invoice, customerId: quickbooksId('The customer\'s Id (CustomerRef.value).'), itemIds: idMap }),
  output: invoiceInput,
  map: ({ invoice: record, customerId, itemIds }) => ({
    CustomerRef: { value: customerId },
    Line: record.lines.map((line) => salesLine(line, itemIds, 'invoice-from-canonical')),
    ...optional('DocNumber', record.number),
    TxnDate: record.issuedOn,
    ...optional('DueDate', record.dueOn),
    CurrencyRef: { value: record.currency },
  }),
});

export const orderToInvoice = defineMapping({
  id: 'order-to-invoice',
  name: 'Canonical order → create-invoice input',
  description:
    'One line per order line, plus a shipping line on shippingItemId when the order charges shipping. Tax is not sent: QuickBooks computes it from the company\'s tax settings.',
  direction: 'from-canonical',
  canonical: 'order@1',
  input: schema.Object({
    order: canonical.Order,
    customerId: quickbooksId('The customer\'s Id (CustomerRef.value).'),
    itemIds: idMap,
    shippingItemId: schema.Optional(quickbooksId('The Item Id shipping is charged on; required when the order charges shipping.')),
  }),
  output: invoiceInput,
  map: ({ order, customerId, itemIds, shippingItemId }) => {
    const lines = order.lines.map((line) => salesLine(line, itemIds, 'order-to-invoice'));
    if (order.shipping !== undefined && Number(order.shipping.amount) !== 0) {
      if (shippingItemId === undefined) throw new TypeError(`order-to-invoice: order ${order.number} charges shipping; give shippingItemId`);
      const amount = Number(order.shipping.amount);
      lines.push({ Description: 'Shipping', Amount: amount, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: shippingItemId }, Qty: 1, UnitPrice: amount } });
    }
    return {
      CustomerRef: { value: customerId },
      Line: lines,
      TxnDate: order.placedAt.slice(0, 10),
      PrivateNote: `Order ${order.number}`,
      CurrencyRef: { value: order.currency },
    };
  },
});

// ---- Payment and refund ----------------------------------------------------------------------

export const paymentFromCanonical = defineMapping({
  id: 'payment-from-canonical',
  name: 'Canonical payment → create-payment input',
  description: 'With invoiceId, the whole amount is applied to that invoice (Line[].LinkedTxn); without, it is left unapplied on the customer.',
  direction: 'from-canonical',
  canonical: 'payment@1',
  input: schema.Object({
    payment: canonical.Payment,
    customerId: quickbooksId('The paying customer\'s Id (CustomerRef.value).'),
    invoiceId: schema.Optional(quickbooksId('The invoice the payment settles.')),
  }),
  output: createPayment.input,
  map: ({ payment, customerId, invoiceId }) => {
    const amount = positiveAmount(payment.amount, 'payment-from-canonical');
    const reference = Object.values(payment.ids ?? {})[0];
    return {
      CustomerRef: { value: customerId },
      TotalAmt: amount,
      ...(invoiceId === undefined ? {} : { Line: [{ Amount: amount, LinkedTxn: [{ TxnId: invoiceId, TxnType: 'Invoice' as const }] }] }),
      TxnDate: payment.processedAt.slice(0, 10),
      ...(reference === undefined ? {} : { PaymentRefNum: reference.slice(0, 21) }),
      ...(payment.method === undefined ? {} : { PrivateNote: `Paid by ${payment.method}` }),
      CurrencyRef: { value: payment.amount.currency },
    };
  },
});

export const refundToCreditMemo = defineMapping({
  id: 'refund-to-credit-memo',
  name: 'Canonical refund → create-credit-memo input',
  description:
    'A refund is booked as a credit memo. Refund lines with an amount become item lines; a refund without lines becomes one line of the whole amount on refundItemId.',
  direction: 'from-canonical',
  canonical: 'refund@1',
  input: schema.Object({
    refund: canonical.Refund,
    customerId: quickbooksId('The refunded customer\'s Id (CustomerRef.value).'),
    itemIds: schema.Optional(idMap),
    refundItemId: schema.Optional(quickbooksId('The Item Id a refund without lines is booked on.')),
  }),
  output: createCreditMemo.input,
  map: ({ refund, customerId, itemIds, refundItemId }) => {
    const where = 'refund-to-credit-memo';
    const total = positiveAmount(refund.amount, where);
    const lines =
      refund.lines !== undefined && refund.lines.length > 0
        ? refund.lines.map((line) => {
            if (line.amount === undefined) throw new TypeError(`${where}: refund line ${line.sku} has no amount to credit`);
            const amount = positiveAmount(line.amount, where);
            const quantity = Number(line.quantity.value);
            return {
              Amount: amount,
              DetailType: 'SalesItemLineDetail' as const,
              SalesItemLineDetail: { ItemRef: { value: itemIdFor(line.sku, itemIds ?? {}, where) }, Qty: quantity, UnitPrice: round(amount / quantity, 7) },
            };
          })
        : [
            {
              Amount: total,
              DetailType: 'SalesItemLineDetail' as const,
              SalesItemLineDetail: { ItemRef: { value: requireId(refundItemId, `${where}: the refund has no lines; give refundItemId`) }, Qty: 1, UnitPrice: total },
            },
          ];
    return {
      CustomerRef: { value: customerId },
      Line: lines,
      TxnDate: refund.createdAt.slice(0, 10),
      ...(refund.reason === undefined ? {} : { PrivateNote: refund.reason.slice(0, 4000) }),
      CurrencyRef: { value: refund.amount.currency },
    };
  },
});

export const quickbooksMappings = [
  customerToCanonical,
  customerFromCanonical,
  invoiceToCanonical,
  invoiceFromCanonical,
  orderToInvoice,
  paymentFromCanonical,
  refundToCreditMemo,
];

// ---- Helpers ---------------------------------------------------------------------------------

function toCanonicalCustomer(qbo: QuickBooksCustomer): CanonicalCustomer {
  const phone = e164(qbo.PrimaryPhone?.FreeFormNumber);
  const billing = qbo.BillAddr === undefined ? undefined : toCanonicalAddress(qbo.BillAddr);
  const shipping = qbo.ShipAddr === undefined ? undefined : toCanonicalAddress(qbo.ShipAddr);
  const email = qbo.PrimaryEmailAddr?.Address;
  return {
    ids: { [QUICKBOOKS_IDS_KEY]: qbo.Id },
    ...(email !== undefined && EMAIL.test(email) ? { email } : {}),
    ...optional('firstName', qbo.GivenName),
    ...optional('lastName', qbo.FamilyName),
    ...optional('company', qbo.CompanyName),
    ...(phone === undefined ? {} : { phone }),
    ...(billing === undefined ? {} : { billingAddress: billing }),
    ...(shipping === undefined ? {} : { shippingAddress: shipping }),
    createdAt: qbo.MetaData.CreateTime,
    updatedAt: qbo.MetaData.LastUpdatedTime,
    custom: {
      displayName: qbo.DisplayName,
      active: qbo.Active,
      balance: decimal(qbo.Balance),
      syncToken: qbo.SyncToken,
      // What could not be said canonically is kept, not dropped.
      ...(phone === undefined && qbo.PrimaryPhone?.FreeFormNumber !== undefined ? { phone: qbo.PrimaryPhone.FreeFormNumber } : {}),
      ...(billing === undefined && qbo.BillAddr !== undefined ? { billAddr: qbo.BillAddr } : {}),
      ...(shipping === undefined && qbo.ShipAddr !== undefined ? { shipAddr: qbo.ShipAddr } : {}),
    },
  };
}

function toCanonicalInvoice(qbo: QuickBooksInvoice): CanonicalInvoice {
  const currency = qbo.CurrencyRef.value;
  const money = (amount: number): CanonicalMoney => ({ amount: decimal(amount), currency });
  const lines = qbo.Line.filter((line) => line.DetailType === 'SalesItemLineDetail' && line.SalesItemLineDetail !== undefined).map(
    (line): CanonicalOrderLine => {
      const detail = line.SalesItemLineDetail!;
      const quantity = detail.Qty ?? 1;
      return {
        ...(line.Id === undefined ? {} : { ids: { [QUICKBOOKS_IDS_KEY]: line.Id } }),
        sku: detail.ItemRef.name ?? detail.ItemRef.value,
        ...optional('name', line.Description),
        quantity: { value: decimal(quantity, 7), unit: 'each' },
        unitPrice: money(detail.UnitPrice ?? line.Amount / quantity),
        total: money(line.Amount),
      };
    },
  );
  if (lines.length === 0) throw new TypeError(`invoice-to-canonical: invoice ${qbo.Id} has no item lines; a canonical invoice needs at least one`);
  const subtotal = lines.reduce((sum, line) => sum + Number(line.total.amount), 0);
  const email = qbo.BillEmail?.Address;
  return {
    ids: { [QUICKBOOKS_IDS_KEY]: qbo.Id },
    ...optional('number', qbo.DocNumber),
    customer: {
      ids: { [QUICKBOOKS_IDS_KEY]: qbo.CustomerRef.value },
      ...(email !== undefined && EMAIL.test(email) ? { email } : {}),
      ...(qbo.CustomerRef.name === undefined ? {} : { custom: { displayName: qbo.CustomerRef.name } }),
    },
    currency,
    lines,
    subtotal: money(subtotal),
    total: money(qbo.TotalAmt),
    balance: money(qbo.Balance),
    issuedOn: qbo.TxnDate,
    ...optional('dueOn', qbo.DueDate),
    // QuickBooks has no draft invoices; a voided one keeps its lines but is zeroed, which reads as paid.
    status: qbo.Balance > 0 ? 'open' : 'paid',
    custom: { syncToken: qbo.SyncToken, ...(qbo.PrivateNote === undefined ? {} : { privateNote: qbo.PrivateNote }) },
  };
}

function salesLine(line: CanonicalOrderLine, itemIds: Record<string, string>, where: string) {
  const quantity = Number(line.quantity.value);
  if (!(quantity > 0)) throw new TypeError(`${where}: line ${line.sku} has quantity ${line.quantity.value}; QuickBooks lines need a positive quantity`);
  // QuickBooks checks Amount = Qty × UnitPrice, so a discount is folded into the unit price.
  const gross = quantity * Number(line.unitPrice.amount);
  const amount = round(gross - Number(line.discount?.amount ?? 0), 2);
  const unitPrice = line.discount === undefined ? Number(line.unitPrice.amount) : round(amount / quantity, 7);
  return {
    ...(line.name === undefined ? {} : { Description: line.name }),
    Amount: amount,
    DetailType: 'SalesItemLineDetail' as const,
    SalesItemLineDetail: { ItemRef: { value: itemIdFor(line.sku, itemIds, where) }, Qty: quantity, UnitPrice: unitPrice },
  };
}

function itemIdFor(sku: string, itemIds: Record<string, string>, where: string): string {
  return requireId(itemIds[sku], `${where}: no QuickBooks Item Id for SKU ${sku}; add it to itemIds`);
}

function requireId(id: string | undefined, problem: string): string {
  if (id === undefined) throw new TypeError(problem);
  return id;
}

function positiveAmount(money: CanonicalMoney, where: string): number {
  const amount = Number(money.amount);
  if (!(amount > 0)) throw new TypeError(`${where}: the amount ${money.amount} ${money.currency} must be positive`);
  return amount;
}

const COUNTRY_NAMES: Readonly<Record<string, string>> = {
  USA: 'US', 'UNITED STATES': 'US', 'UNITED STATES OF AMERICA': 'US', CANADA: 'CA', UK: 'GB', 'UNITED KINGDOM': 'GB',
  'GREAT BRITAIN': 'GB', AUSTRALIA: 'AU', INDIA: 'IN', FRANCE: 'FR', GERMANY: 'DE', IRELAND: 'IE', MEXICO: 'MX',
};

/** Undefined when the address lacks what a canonical one needs (a street line, a city, a known country). */
function toCanonicalAddress(address: QuickBooksAddress): CanonicalAddress | undefined {
  const streetLines = [address.Line1, address.Line2, address.Line3, address.Line4, address.Line5].filter(isText).map((line) => line.trim());
  // Canonical addresses hold four street lines; a fifth joins the fourth rather than being lost.
  const lines = streetLines.length <= 4 ? streetLines : [...streetLines.slice(0, 3), streetLines.slice(3).join(', ')];
  const country = countryCode(address.CountryCode) ?? countryCode(address.Country);
  if (lines.length === 0 || !isText(address.City) || country === undefined) return undefined;
  return {
    lines,
    city: address.City.trim(),
    ...optional('region', address.CountrySubDivisionCode),
    ...optional('postalCode', address.PostalCode),
    country,
  };
}

function fromCanonicalAddress(address: CanonicalAddress): QuickBooksAddress {
  const [Line1, Line2, Line3, Line4] = address.lines;
  return {
    ...optional('Line1', Line1),
    ...optional('Line2', Line2),
    ...optional('Line3', Line3),
    ...optional('Line4', Line4),
    City: address.city,
    ...optional('CountrySubDivisionCode', address.region),
    ...optional('PostalCode', address.postalCode),
    Country: address.country,
  };
}

function countryCode(value: string | undefined): string | undefined {
  if (!isText(value)) return undefined;
  const upper = value.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(upper) ? upper : COUNTRY_NAMES[upper];
}

/** "+1 (415) 555-0100" → "+14155550100"; a number without a country code cannot be made E.164. */
function e164(value: string | undefined): string | undefined {
  if (!isText(value)) return undefined;
  const compact = value.replace(/[\s().-]/g, '');
  return /^\+[1-9][0-9]{6,14}$/.test(compact) ? compact : undefined;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A JSON number as a canonical decimal string: money to cents, other values without float noise. */
function decimal(value: number, places = 2): string {
  const fixed = value.toFixed(places);
  return places === 2 ? fixed : fixed.replace(/\.?0+$/, '');
}

function round(value: number, places: number): number {
  const factor = 10 ** places;
  return Math.round(value * factor) / factor;
}

function isText(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return isText(value) ? ({ [key]: value } as Record<K, string>) : {};
}
