/**
 * The part of Shopify's Admin GraphQL schema (API version 2025-01) that the sandbox serves and
 * the connector's documents use. Every type, field, argument and enum value here exists in the
 * real schema with the same type (shopify.test.ts checks that against Shopify's introspection
 * when the spec file is present), so a document valid here is valid against Shopify. Fields and
 * arguments the connector does not need are left out: asking for one is a validation error, as
 * asking Shopify for a field it does not have is.
 */
export const ADMIN_SCHEMA_SDL = /* GraphQL */ `
schema {
  query: QueryRoot
  mutation: Mutation
}

scalar DateTime
scalar Decimal
scalar URL
scalar UnsignedInt64

enum CurrencyCode { CAD EUR GBP USD }
enum OrderSortKeys { CREATED_AT ID UPDATED_AT }
enum ProductVariantSortKeys { ID SKU TITLE }
enum OrderDisplayFinancialStatus { PENDING AUTHORIZED PARTIALLY_PAID PARTIALLY_REFUNDED VOIDED PAID REFUNDED EXPIRED }
enum OrderDisplayFulfillmentStatus { UNFULFILLED PARTIALLY_FULFILLED FULFILLED RESTOCKED PENDING_FULFILLMENT OPEN IN_PROGRESS ON_HOLD SCHEDULED REQUEST_DECLINED }
enum OrderCancelReason { CUSTOMER DECLINED FRAUD INVENTORY STAFF OTHER }
enum FulfillmentOrderStatus { OPEN IN_PROGRESS CANCELLED INCOMPLETE CLOSED SCHEDULED ON_HOLD }
enum FulfillmentStatus { PENDING OPEN SUCCESS CANCELLED ERROR FAILURE }
enum CustomerState { DECLINED DISABLED ENABLED INVITED }
enum ProductStatus { ACTIVE ARCHIVED DRAFT }
enum InventorySetQuantitiesUserErrorCode {
  INVALID_INVENTORY_ITEM INVALID_LOCATION INVALID_QUANTITY_NEGATIVE INVALID_REASON INVALID_REFERENCE_DOCUMENT
  ITEM_NOT_STOCKED_AT_LOCATION INVALID_QUANTITY_TOO_HIGH INVALID_QUANTITY_TOO_LOW COMPARE_QUANTITY_REQUIRED
  COMPARE_QUANTITY_STALE INVALID_NAME NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR NON_MUTABLE_INVENTORY_ITEM
}

type QueryRoot {
  order(id: ID!): Order
  orders(first: Int, after: String, last: Int, before: String, reverse: Boolean, sortKey: OrderSortKeys, query: String): OrderConnection!
  customer(id: ID!): Customer
  productVariants(first: Int, after: String, last: Int, before: String, reverse: Boolean, sortKey: ProductVariantSortKeys, query: String): ProductVariantConnection!
  fulfillmentOrder(id: ID!): FulfillmentOrder
  inventoryItem(id: ID!): InventoryItem
  location(id: ID): Location
}

type Mutation {
  customerCreate(input: CustomerInput!): CustomerCreatePayload
  customerUpdate(input: CustomerInput!): CustomerUpdatePayload
  inventorySetQuantities(input: InventorySetQuantitiesInput!): InventorySetQuantitiesPayload
  fulfillmentCreate(fulfillment: FulfillmentInput!, message: String): FulfillmentCreatePayload
}

type PageInfo {
  endCursor: String
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
}

type MoneyV2 {
  amount: Decimal!
  currencyCode: CurrencyCode!
}

type MoneyBag {
  presentmentMoney: MoneyV2!
  shopMoney: MoneyV2!
}

type MailingAddress {
  address1: String
  address2: String
  city: String
  company: String
  country: String
  countryCodeV2: CountryCode
  firstName: String
  id: ID!
  lastName: String
  name: String
  phone: String
  province: String
  provinceCode: String
  zip: String
}

enum CountryCode { CA DE FR GB US }

type Order {
  id: ID!
  legacyResourceId: UnsignedInt64!
  name: String!
  email: String
  phone: String
  createdAt: DateTime!
  updatedAt: DateTime!
  processedAt: DateTime!
  cancelledAt: DateTime
  cancelReason: OrderCancelReason
  closed: Boolean!
  currencyCode: CurrencyCode!
  displayFinancialStatus: OrderDisplayFinancialStatus
  displayFulfillmentStatus: OrderDisplayFulfillmentStatus!
  note: String
  tags: [String!]!
  totalPriceSet: MoneyBag!
  subtotalPriceSet: MoneyBag
  customer: Customer
  shippingAddress: MailingAddress
  lineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean): LineItemConnection!
  fulfillmentOrders(displayable: Boolean, first: Int, after: String, last: Int, before: String, reverse: Boolean, query: String): FulfillmentOrderConnection!
  fulfillments(first: Int): [Fulfillment!]!
}

type OrderConnection {
  edges: [OrderEdge!]!
  nodes: [Order!]!
  pageInfo: PageInfo!
}

type OrderEdge {
  cursor: String!
  node: Order!
}

type LineItem {
  id: ID!
  name: String!
  title: String!
  sku: String
  quantity: Int!
  currentQuantity: Int!
  variant: ProductVariant
  originalUnitPriceSet: MoneyBag!
}

type LineItemConnection {
  edges: [LineItemEdge!]!
  nodes: [LineItem!]!
  pageInfo: PageInfo!
}

type LineItemEdge {
  cursor: String!
  node: LineItem!
}

type Customer {
  id: ID!
  legacyResourceId: UnsignedInt64!
  firstName: String
  lastName: String
  displayName: String!
  email: String
  phone: String
  note: String
  tags: [String!]!
  state: CustomerState!
  numberOfOrders: UnsignedInt64!
  defaultAddress: MailingAddress
  createdAt: DateTime!
  updatedAt: DateTime!
}

type Product {
  id: ID!
  title: String!
  handle: String!
  status: ProductStatus!
  vendor: String!
  productType: String!
}

type ProductVariant {
  id: ID!
  legacyResourceId: UnsignedInt64!
  sku: String
  title: String!
  displayName: String!
  price: Money!
  barcode: String
  inventoryQuantity: Int
  product: Product!
  inventoryItem: InventoryItem!
  createdAt: DateTime!
  updatedAt: DateTime!
}

scalar Money

type ProductVariantConnection {
  edges: [ProductVariantEdge!]!
  nodes: [ProductVariant!]!
  pageInfo: PageInfo!
}

type ProductVariantEdge {
  cursor: String!
  node: ProductVariant!
}

type InventoryItem {
  id: ID!
  sku: String
  tracked: Boolean!
  inventoryLevel(locationId: ID!): InventoryLevel
  variant: ProductVariant!
}

type InventoryLevel {
  id: ID!
  item: InventoryItem!
  location: Location!
  quantities(names: [String!]!): [InventoryQuantity!]!
}

type InventoryQuantity {
  id: ID!
  name: String!
  quantity: Int!
  updatedAt: DateTime
}

type Location {
  id: ID!
  name: String!
  isActive: Boolean!
}

type FulfillmentOrder {
  id: ID!
  orderId: ID!
  orderName: String!
  status: FulfillmentOrderStatus!
  createdAt: DateTime!
  updatedAt: DateTime!
  assignedLocation: FulfillmentOrderAssignedLocation!
  lineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean): FulfillmentOrderLineItemConnection!
}

type FulfillmentOrderAssignedLocation {
  name: String!
  location: Location
}

type FulfillmentOrderConnection {
  edges: [FulfillmentOrderEdge!]!
  nodes: [FulfillmentOrder!]!
  pageInfo: PageInfo!
}

type FulfillmentOrderEdge {
  cursor: String!
  node: FulfillmentOrder!
}

type FulfillmentOrderLineItem {
  id: ID!
  sku: String
  productTitle: String!
  variantTitle: String
  totalQuantity: Int!
  remainingQuantity: Int!
  inventoryItemId: ID
  lineItem: LineItem!
}

type FulfillmentOrderLineItemConnection {
  edges: [FulfillmentOrderLineItemEdge!]!
  nodes: [FulfillmentOrderLineItem!]!
  pageInfo: PageInfo!
}

type FulfillmentOrderLineItemEdge {
  cursor: String!
  node: FulfillmentOrderLineItem!
}

type Fulfillment {
  id: ID!
  legacyResourceId: UnsignedInt64!
  name: String!
  status: FulfillmentStatus!
  createdAt: DateTime!
  updatedAt: DateTime!
  totalQuantity: Int!
  trackingInfo(first: Int): [FulfillmentTrackingInfo!]!
}

type FulfillmentTrackingInfo {
  company: String
  number: String
  url: URL
}

type UserError {
  field: [String!]
  message: String!
}

type InventorySetQuantitiesUserError {
  code: InventorySetQuantitiesUserErrorCode
  field: [String!]
  message: String!
}

type InventoryChange {
  delta: Int!
  item: InventoryItem
  location: Location
  name: String!
  quantityAfterChange: Int
}

type InventoryAdjustmentGroup {
  id: ID!
  createdAt: DateTime!
  reason: String!
  referenceDocumentUri: String
  changes(inventoryItemIds: [ID!], locationIds: [ID!], quantityNames: [String!]): [InventoryChange!]!
}

type CustomerCreatePayload {
  customer: Customer
  userErrors: [UserError!]!
}

type CustomerUpdatePayload {
  customer: Customer
  userErrors: [UserError!]!
}

type InventorySetQuantitiesPayload {
  inventoryAdjustmentGroup: InventoryAdjustmentGroup
  userErrors: [InventorySetQuantitiesUserError!]!
}

type FulfillmentCreatePayload {
  fulfillment: Fulfillment
  userErrors: [UserError!]!
}

input MailingAddressInput {
  address1: String
  address2: String
  city: String
  company: String
  countryCode: CountryCode
  firstName: String
  lastName: String
  phone: String
  provinceCode: String
  zip: String
}

input CustomerInput {
  addresses: [MailingAddressInput!]
  email: String
  firstName: String
  id: ID
  lastName: String
  locale: String
  note: String
  phone: String
  tags: [String!]
}

input InventoryQuantityInput {
  inventoryItemId: ID!
  locationId: ID!
  quantity: Int!
  compareQuantity: Int
}

input InventorySetQuantitiesInput {
  reason: String!
  name: String!
  referenceDocumentUri: String
  quantities: [InventoryQuantityInput!]!
  ignoreCompareQuantity: Boolean
}

input FulfillmentTrackingInput {
  number: String
  url: URL
  company: String
}

input FulfillmentOrderLineItemInput {
  id: ID!
  quantity: Int!
}

input FulfillmentOrderLineItemsInput {
  fulfillmentOrderId: ID!
  fulfillmentOrderLineItems: [FulfillmentOrderLineItemInput!]
}

input FulfillmentInput {
  trackingInfo: FulfillmentTrackingInput
  notifyCustomer: Boolean
  lineItemsByFulfillmentOrder: [FulfillmentOrderLineItemsInput!]!
}
`;
