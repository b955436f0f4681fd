import { Type, type Static } from '@sinclair/typebox';
import { CalendarDate, CountryCode, CurrencyCode, Decimal, Email, ExternalIds, Money, Phone, Quantity, Timestamp } from './primitives.ts';

/**
 * Weft's vendor-neutral records, version 1. A connector maps vendor ⇄ canonical once, at the edge;
 * flows between systems speak only these. Every object is closed (additionalProperties: false) so
 * a misspelt field is a validation error, not silently dropped data; vendor-specific extras go in
 * `custom`.
 *
 * Changing a field's meaning or removing one is a new version (`order@2`) registered beside the
 * old one in canonical-registry.ts; adding an optional field is not.
 */

const custom = Type.Optional(
  Type.Record(Type.String(), Type.Unknown(), { description: 'Vendor-specific fields that have no canonical home.' }),
);
const ids = Type.Optional(ExternalIds);
const closed = { additionalProperties: false } as const;

export const Address = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 255 })),
    company: Type.Optional(Type.String({ maxLength: 255 })),
    lines: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { minItems: 1, maxItems: 4, description: 'Street lines, first to last.' }),
    city: Type.String({ minLength: 1, maxLength: 255 }),
    region: Type.Optional(Type.String({ maxLength: 64, description: 'State, province or county; ISO 3166-2 subdivision code where known.' })),
    postalCode: Type.Optional(Type.String({ maxLength: 32 })),
    country: CountryCode,
    phone: Type.Optional(Phone),
  },
  { ...closed, title: 'Address' },
);

export const Customer = Type.Object(
  {
    ids,
    email: Type.Optional(Email),
    firstName: Type.Optional(Type.String({ maxLength: 255 })),
    lastName: Type.Optional(Type.String({ maxLength: 255 })),
    company: Type.Optional(Type.String({ maxLength: 255 })),
    phone: Type.Optional(Phone),
    billingAddress: Type.Optional(Address),
    shippingAddress: Type.Optional(Address),
    acceptsMarketing: Type.Optional(Type.Boolean()),
    createdAt: Type.Optional(Timestamp),
    updatedAt: Type.Optional(Timestamp),
    custom,
  },
  { ...closed, title: 'Customer' },
);

export const OrderLine = Type.Object(
  {
    ids,
    sku: Type.String({ minLength: 1, maxLength: 255, description: 'The stock-keeping unit, the key every system shares.' }),
    name: Type.Optional(Type.String({ maxLength: 255 })),
    quantity: Quantity,
    unitPrice: Money,
    discount: Type.Optional(Money),
    tax: Type.Optional(Money),
    total: Money,
  },
  { ...closed, title: 'Order line' },
);

export const OrderStatus = Type.Union(
  ['pending', 'confirmed', 'partially-fulfilled', 'fulfilled', 'cancelled', 'closed'].map((status) => Type.Literal(status)),
);
export const FinancialStatus = Type.Union(
  ['pending', 'authorized', 'paid', 'partially-paid', 'partially-refunded', 'refunded', 'voided'].map((status) => Type.Literal(status)),
);

export const Order = Type.Object(
  {
    ids,
    number: Type.String({ minLength: 1, maxLength: 64, description: 'The number people quote, e.g. "#1001" or "5000123".' }),
    status: OrderStatus,
    financialStatus: Type.Optional(FinancialStatus),
    currency: CurrencyCode,
    customer: Customer,
    billingAddress: Type.Optional(Address),
    shippingAddress: Type.Optional(Address),
    lines: Type.Array(OrderLine, { minItems: 1 }),
    subtotal: Money,
    shipping: Type.Optional(Money),
    tax: Type.Optional(Money),
    discount: Type.Optional(Money),
    total: Money,
    placedAt: Timestamp,
    updatedAt: Type.Optional(Timestamp),
    cancelledAt: Type.Optional(Timestamp),
    note: Type.Optional(Type.String({ maxLength: 5000 })),
    custom,
  },
  { ...closed, title: 'Order' },
);

export const Item = Type.Object(
  {
    ids,
    sku: Type.String({ minLength: 1, maxLength: 255 }),
    name: Type.String({ minLength: 1, maxLength: 255 }),
    description: Type.Optional(Type.String()),
    price: Type.Optional(Money),
    barcode: Type.Optional(Type.String({ maxLength: 64, description: 'GTIN, UPC or EAN.' })),
    weight: Type.Optional(Quantity),
    active: Type.Optional(Type.Boolean()),
    custom,
  },
  { ...closed, title: 'Item' },
);

export const InventoryLevel = Type.Object(
  {
    sku: Type.String({ minLength: 1, maxLength: 255 }),
    location: Type.String({ minLength: 1, maxLength: 255, description: 'Location or warehouse id in the system that reported it.' }),
    available: Quantity,
    onHand: Type.Optional(Quantity),
    committed: Type.Optional(Quantity),
    asOf: Timestamp,
  },
  { ...closed, title: 'Inventory level' },
);

export const ShipmentStatus = Type.Union(
  ['pending', 'label-created', 'in-transit', 'out-for-delivery', 'delivered', 'exception', 'returned', 'cancelled'].map((status) => Type.Literal(status)),
);

export const TrackingEvent = Type.Object(
  {
    at: Timestamp,
    status: ShipmentStatus,
    description: Type.Optional(Type.String()),
    location: Type.Optional(Type.String()),
  },
  closed,
);

export const Shipment = Type.Object(
  {
    ids,
    orderIds: Type.Optional(ExternalIds),
    carrier: Type.String({ minLength: 1, maxLength: 64, description: '"fedex", "shiprocket", "ups", …' }),
    service: Type.Optional(Type.String({ maxLength: 64 })),
    trackingNumber: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Absent while the shipment is pending: a carrier gives it with the label.' })),
    trackingUrl: Type.Optional(Type.String({ format: 'uri' })),
    status: ShipmentStatus,
    lines: Type.Optional(Type.Array(Type.Object({ sku: Type.String({ minLength: 1 }), quantity: Quantity }, closed))),
    shipTo: Type.Optional(Address),
    shippedAt: Type.Optional(Timestamp),
    deliveredAt: Type.Optional(Timestamp),
    events: Type.Optional(Type.Array(TrackingEvent)),
    custom,
  },
  { ...closed, title: 'Shipment' },
);

export const Invoice = Type.Object(
  {
    ids,
    number: Type.Optional(Type.String({ maxLength: 64 })),
    orderIds: Type.Optional(ExternalIds),
    customer: Customer,
    currency: CurrencyCode,
    lines: Type.Array(OrderLine, { minItems: 1 }),
    subtotal: Type.Optional(Money),
    tax: Type.Optional(Money),
    total: Money,
    balance: Type.Optional(Money),
    issuedOn: CalendarDate,
    dueOn: Type.Optional(CalendarDate),
    status: Type.Union(['draft', 'open', 'paid', 'void'].map((status) => Type.Literal(status))),
    custom,
  },
  { ...closed, title: 'Invoice' },
);

export const Payment = Type.Object(
  {
    ids,
    orderIds: Type.Optional(ExternalIds),
    invoiceIds: Type.Optional(ExternalIds),
    customerIds: Type.Optional(ExternalIds),
    amount: Money,
    method: Type.Optional(Type.String({ maxLength: 64, description: '"card", "bank-transfer", "cash", …' })),
    status: Type.Union(['pending', 'authorized', 'succeeded', 'failed', 'cancelled'].map((status) => Type.Literal(status))),
    processedAt: Timestamp,
    custom,
  },
  { ...closed, title: 'Payment' },
);

export const Refund = Type.Object(
  {
    ids,
    orderIds: Type.Optional(ExternalIds),
    paymentIds: Type.Optional(ExternalIds),
    amount: Money,
    reason: Type.Optional(Type.String({ maxLength: 500 })),
    lines: Type.Optional(Type.Array(Type.Object({ sku: Type.String({ minLength: 1 }), quantity: Quantity, amount: Type.Optional(Money) }, closed))),
    status: Type.Union(['pending', 'succeeded', 'failed', 'cancelled'].map((status) => Type.Literal(status))),
    createdAt: Timestamp,
    custom,
  },
  { ...closed, title: 'Refund' },
);

export const Contact = Type.Object(
  {
    ids,
    email: Type.Optional(Email),
    phone: Type.Optional(Phone),
    firstName: Type.Optional(Type.String({ maxLength: 255 })),
    lastName: Type.Optional(Type.String({ maxLength: 255 })),
    company: Type.Optional(Type.String({ maxLength: 255 })),
    title: Type.Optional(Type.String({ maxLength: 255 })),
    consent: Type.Optional(Type.Object({ email: Type.Optional(Type.Boolean()), sms: Type.Optional(Type.Boolean()) }, closed)),
    custom,
  },
  { ...closed, title: 'Contact' },
);

export const Message = Type.Object(
  {
    ids,
    channel: Type.Union(['sms', 'whatsapp', 'email', 'chat'].map((channel) => Type.Literal(channel))),
    to: Type.String({ minLength: 1, maxLength: 320, description: 'E.164 number, email address or channel id, as the channel needs.' }),
    from: Type.Optional(Type.String({ maxLength: 320 })),
    subject: Type.Optional(Type.String({ maxLength: 998 })),
    body: Type.Optional(Type.String({ minLength: 1, maxLength: 40000, description: 'Absent in delivery-status events, which carry no text.' })),
    status: Type.Optional(Type.Union(['queued', 'sent', 'delivered', 'read', 'failed'].map((status) => Type.Literal(status)))),
    sentAt: Type.Optional(Timestamp),
    custom,
  },
  { ...closed, title: 'Message' },
);

export type CanonicalAddress = Static<typeof Address>;
export type CanonicalCustomer = Static<typeof Customer>;
export type CanonicalOrderLine = Static<typeof OrderLine>;
export type CanonicalOrder = Static<typeof Order>;
export type CanonicalItem = Static<typeof Item>;
export type CanonicalInventoryLevel = Static<typeof InventoryLevel>;
export type CanonicalShipment = Static<typeof Shipment>;
export type CanonicalInvoice = Static<typeof Invoice>;
export type CanonicalPayment = Static<typeof Payment>;
export type CanonicalRefund = Static<typeof Refund>;
export type CanonicalContact = Static<typeof Contact>;
export type CanonicalMessage = Static<typeof Message>;
export type CanonicalMoney = Static<typeof Money>;
export type CanonicalQuantity = Static<typeof Quantity>;
export { Money, Quantity, Decimal, CurrencyCode, CountryCode, Timestamp, CalendarDate };
