import {
  ERROR_MESSAGES,
  INVENTORY_REASONS,
  MAX_PAGE_SIZE,
  SETTABLE_QUANTITY_NAMES,
} from './shopify.fixtures.ts';
import {
  fulfillmentStatusOf,
  inventoryLevelKey,
  legacyIdOf,
  money,
  orderName,
  orderTotal,
  toCents,
  type ShopAddress,
  type ShopCustomer,
  type ShopFulfillment,
  type ShopFulfillmentOrder,
  type ShopInventoryChange,
  type ShopLineItem,
  type ShopOrder,
  type ShopState,
  type ShopVariant,
} from './sandbox-shop.ts';
import { matchesSearch, parseSearchQuery } from './sandbox-search.ts';

/**
 * The root value the sandbox executes Admin GraphQL documents against: one function per root
 * field, returning views whose fields are values or functions of their arguments (graphql-js
 * calls them). Resolvers read and write the shop as Shopify would its database; a bad argument
 * throws (a GraphQL error), bad data comes back as the mutation's userErrors.
 */

type Args = Record<string, unknown>;
type UserError = { field: string[] | null; message: string; code?: string };

interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
  last?: number | null;
  before?: string | null;
  reverse?: boolean | null;
  sortKey?: string | null;
  query?: string | null;
}

const QUANTITY_NAMES = ['available', 'committed', 'damaged', 'incoming', 'on_hand', 'quality_control', 'reserved', 'safety_stock'];

export function createRootValue(state: ShopState, nowMs: number): Record<string, unknown> {
  const view = createViews(state);
  return {
    order: ({ id }: { id: string }) => optional(state.orders.get(id), view.order),
    orders: (args: ConnectionArgs) => {
      const search = parseSearchQuery(args.query);
      const orders = state.orders.all().filter((order) =>
        matchesSearch(order, search, {
          updated_at: (o) => o.updatedAt,
          created_at: (o) => o.createdAt,
          name: (o) => orderName(o),
          email: (o) => o.email,
          id: (o) => o.legacyResourceId,
        }),
      );
      const sortValue = { CREATED_AT: (o: ShopOrder) => o.createdAt, UPDATED_AT: (o: ShopOrder) => o.updatedAt }[args.sortKey ?? 'ID'] ?? ((o: ShopOrder) => o.legacyResourceId);
      return connection(sortBy(orders, sortValue), args, (o) => o.id, view.order);
    },
    customer: ({ id }: { id: string }) => optional(state.customers.get(id), view.customer),
    productVariants: (args: ConnectionArgs) => {
      const search = parseSearchQuery(args.query);
      const variants = state.variants.all().filter((variant) =>
        matchesSearch(variant, search, {
          sku: (v) => v.sku,
          product_id: (v) => legacyIdOf(v.productId),
          title: (v) => v.title,
          id: (v) => v.legacyResourceId,
        }),
      );
      const sortValue = { SKU: (v: ShopVariant) => v.sku, TITLE: (v: ShopVariant) => v.title }[args.sortKey ?? 'ID'] ?? ((v: ShopVariant) => v.legacyResourceId);
      return connection(sortBy(variants, sortValue), args, (v) => v.id, view.variant);
    },
    fulfillmentOrder: ({ id }: { id: string }) => optional(state.fulfillmentOrders.get(id), view.fulfillmentOrder),
    inventoryItem: ({ id }: { id: string }) => optional(variantOfItem(state, id), (variant) => view.inventoryItem(variant)),
    location: ({ id }: { id?: string | null }) => optional(id === undefined || id === null ? state.locations.all()[0] : state.locations.get(id), view.location),

    customerCreate: ({ input }: { input: Args }) => {
      const errors = customerProblems(state, input, undefined);
      if (errors.length > 0) return { customer: null, userErrors: errors };
      const customer = state.customers.insert({
        ...state.nextId('Customer'),
        firstName: text(input.firstName),
        lastName: text(input.lastName),
        email: text(input.email),
        phone: text(input.phone),
        note: text(input.note),
        tags: tagsOf(input.tags),
        state: 'DISABLED',
        addresses: addressesOf(input.addresses) ?? [],
        createdAt: nowMs,
        updatedAt: nowMs,
      });
      return { customer: view.customer(customer), userErrors: [] };
    },
    customerUpdate: ({ input }: { input: Args }) => {
      const id = text(input.id);
      const current = id === null ? undefined : state.customers.get(id);
      if (current === undefined) return { customer: null, userErrors: [{ field: ['id'], message: ERROR_MESSAGES.customerMissing }] };
      const errors = customerProblems(state, input, current.id);
      if (errors.length > 0) return { customer: null, userErrors: errors };
      const patch: Partial<ShopCustomer> = { updatedAt: nowMs };
      for (const name of ['firstName', 'lastName', 'email', 'phone', 'note'] as const) {
        if (name in input) patch[name] = text(input[name]);
      }
      if ('tags' in input) patch.tags = tagsOf(input.tags);
      const addresses = addressesOf(input.addresses);
      if (addresses !== undefined) patch.addresses = addresses;
      return { customer: view.customer(state.customers.update(current.id, patch)!), userErrors: [] };
    },
    inventorySetQuantities: ({ input }: { input: Args }) => {
      const result = setQuantities(state, input, nowMs);
      return 'userErrors' in result
        ? { inventoryAdjustmentGroup: null, userErrors: result.userErrors }
        : { inventoryAdjustmentGroup: view.adjustmentGroup(result.group), userErrors: [] };
    },
    fulfillmentCreate: ({ fulfillment }: { fulfillment: Args }) => {
      const result = createFulfillment(state, fulfillment, nowMs);
      return 'userErrors' in result ? { fulfillment: null, userErrors: result.userErrors } : { fulfillment: view.fulfillment(result.fulfillment), userErrors: [] };
    },
  };
}

function createViews(state: ShopState) {
  const view = {
    order: (order: ShopOrder) => ({
      id: order.id,
      legacyResourceId: String(order.legacyResourceId),
      name: orderName(order),
      email: order.email,
      phone: order.phone,
      createdAt: dateTime(order.createdAt),
      updatedAt: dateTime(order.updatedAt),
      processedAt: dateTime(order.createdAt),
      cancelledAt: order.cancelledAt === null ? null : dateTime(order.cancelledAt),
      cancelReason: order.cancelReason,
      closed: false,
      currencyCode: order.currencyCode,
      displayFinancialStatus: order.financialStatus,
      displayFulfillmentStatus: () => fulfillmentStatusOf(state, order),
      note: order.note,
      tags: order.tags,
      totalPriceSet: moneyBag(orderTotal(order), order.currencyCode),
      subtotalPriceSet: moneyBag(orderTotal(order), order.currencyCode),
      customer: () => optional(order.customerId === null ? undefined : state.customers.get(order.customerId), view.customer),
      shippingAddress: order.shippingAddress === null ? null : view.address(order.shippingAddress, `${order.id}-shipping`),
      lineItems: (args: ConnectionArgs) => connection(order.lineItems, args, (item) => item.id, (item) => view.lineItem(item, order)),
      fulfillmentOrders: (args: ConnectionArgs) =>
        connection(
          state.fulfillmentOrders.all().filter((fo) => fo.orderId === order.id),
          args,
          (fo) => fo.id,
          view.fulfillmentOrder,
        ),
      fulfillments: ({ first }: { first?: number | null }) =>
        state.fulfillments
          .all()
          .filter((f) => f.orderId === order.id)
          .slice(0, first ?? undefined)
          .map(view.fulfillment),
    }),
    lineItem: (item: ShopLineItem, order: ShopOrder) => ({
      id: item.id,
      name: item.variantTitle === 'Default Title' ? item.title : `${item.title} - ${item.variantTitle}`,
      title: item.title,
      sku: item.sku,
      quantity: item.quantity,
      currentQuantity: item.quantity - refundedQuantity(state, item.id),
      variant: () => optional(state.variants.get(item.variantId), view.variant),
      originalUnitPriceSet: moneyBag(item.price, order.currencyCode),
    }),
    customer: (customer: ShopCustomer) => ({
      id: customer.id,
      legacyResourceId: String(customer.legacyResourceId),
      firstName: customer.firstName,
      lastName: customer.lastName,
      displayName: [customer.firstName, customer.lastName].filter(Boolean).join(' ') || customer.email || customer.phone || '',
      email: customer.email,
      phone: customer.phone,
      note: customer.note,
      tags: customer.tags,
      state: customer.state,
      numberOfOrders: String(state.orders.all().filter((order) => order.customerId === customer.id).length),
      defaultAddress: customer.addresses[0] === undefined ? null : view.address(customer.addresses[0], `${customer.id}-address`),
      createdAt: dateTime(customer.createdAt),
      updatedAt: dateTime(customer.updatedAt),
    }),
    address: (address: ShopAddress, key: string) => ({
      id: `gid://shopify/MailingAddress/${legacyIdOf(key.split('-')[0]!)}`,
      ...address,
      countryCodeV2: address.countryCode,
      country: address.countryCode,
      province: address.provinceCode,
      name: [address.firstName, address.lastName].filter(Boolean).join(' ') || null,
    }),
    variant: (variant: ShopVariant) => {
      const product = state.products.get(variant.productId)!;
      return {
        id: variant.id,
        legacyResourceId: String(variant.legacyResourceId),
        sku: variant.sku,
        title: variant.title,
        displayName: `${product.title} - ${variant.title}`,
        price: variant.price,
        barcode: null,
        inventoryQuantity: state.locations.all().reduce(
          (sum, location) => sum + (state.inventory.get(inventoryLevelKey(variant.inventoryItemId, location.id))?.available ?? 0),
          0,
        ),
        product: { ...product },
        inventoryItem: () => view.inventoryItem(variant),
        createdAt: dateTime(variant.createdAt),
        updatedAt: dateTime(variant.updatedAt),
      };
    },
    inventoryItem: (variant: ShopVariant) => ({
      id: variant.inventoryItemId,
      sku: variant.sku,
      tracked: true,
      inventoryLevel: ({ locationId }: { locationId: string }) => {
        const level = state.inventory.get(inventoryLevelKey(variant.inventoryItemId, locationId));
        const location = state.locations.get(locationId);
        if (level === undefined || location === undefined) return null;
        return {
          id: `gid://shopify/InventoryLevel/${legacyIdOf(locationId)}?inventory_item_id=${legacyIdOf(variant.inventoryItemId)}`,
          item: () => view.inventoryItem(variant),
          location: view.location(location),
          quantities: ({ names }: { names: string[] }) =>
            names.map((name) => {
              if (!QUANTITY_NAMES.includes(name)) throw new Error(`Invalid quantity name: '${name}'`);
              const quantity = name === 'available' ? level.available : name === 'on_hand' ? level.onHand : name === 'committed' ? level.onHand - level.available : 0;
              return {
                id: `gid://shopify/InventoryQuantity/${legacyIdOf(locationId)}?inventory_item_id=${legacyIdOf(variant.inventoryItemId)}&name=${name}`,
                name,
                quantity,
                updatedAt: dateTime(level.updatedAt),
              };
            }),
        };
      },
      variant: () => view.variant(variant),
    }),
    location: (location: { id: string; name: string }) => ({ id: location.id, name: location.name, isActive: true }),
    fulfillmentOrder: (fo: ShopFulfillmentOrder) => {
      const order = state.orders.get(fo.orderId)!;
      const location = state.locations.all()[0]!;
      return {
        id: fo.id,
        orderId: fo.orderId,
        orderName: orderName(order),
        status: fo.status,
        createdAt: dateTime(fo.createdAt),
        updatedAt: dateTime(fo.updatedAt),
        assignedLocation: { name: location.name, location: view.location(location) },
        lineItems: (args: ConnectionArgs) =>
          connection(fo.lineItems, args, (line) => line.id, (line) => {
            const item = order.lineItems.find((candidate) => candidate.id === line.lineItemId)!;
            return {
              id: line.id,
              sku: item.sku,
              productTitle: item.title,
              variantTitle: item.variantTitle,
              totalQuantity: line.totalQuantity,
              remainingQuantity: line.remainingQuantity,
              inventoryItemId: state.variants.get(item.variantId)?.inventoryItemId ?? null,
              lineItem: view.lineItem(item, order),
            };
          }),
      };
    },
    fulfillment: (fulfillment: ShopFulfillment) => ({
      id: fulfillment.id,
      legacyResourceId: String(fulfillment.legacyResourceId),
      name: fulfillment.name,
      status: fulfillment.status,
      createdAt: dateTime(fulfillment.createdAt),
      updatedAt: dateTime(fulfillment.updatedAt),
      totalQuantity: fulfillment.totalQuantity,
      trackingInfo: ({ first }: { first?: number | null }) => fulfillment.tracking.slice(0, first ?? undefined),
    }),
    adjustmentGroup: (group: { id: string; reason: string; referenceDocumentUri: string | null; changes: ShopInventoryChange[]; createdAt: number }) => ({
      id: group.id,
      reason: group.reason,
      referenceDocumentUri: group.referenceDocumentUri,
      createdAt: dateTime(group.createdAt),
      changes: ({ inventoryItemIds, locationIds, quantityNames }: { inventoryItemIds?: string[] | null; locationIds?: string[] | null; quantityNames?: string[] | null }) =>
        group.changes
          .filter((change) => (inventoryItemIds ?? [change.inventoryItemId]).includes(change.inventoryItemId))
          .filter((change) => (locationIds ?? [change.locationId]).includes(change.locationId))
          .filter((change) => (quantityNames ?? [change.name]).includes(change.name))
          .map((change) => ({
            name: change.name,
            delta: change.delta,
            quantityAfterChange: change.quantityAfterChange,
            item: optional(variantOfItem(state, change.inventoryItemId), (variant) => view.inventoryItem(variant)),
            location: optional(state.locations.get(change.locationId), view.location),
          })),
    }),
  };
  return view;
}

/**
 * Relay pagination as Shopify does it: one of `first`/`last` is required, at most 250, and a
 * cursor is opaque (base64 of the last record's id) and only valid for the same listing.
 */
function connection<T, V>(records: readonly T[], args: ConnectionArgs, idOf: (record: T) => string, toView: (record: T) => V) {
  const { first, last, after, before } = args;
  if ((first === undefined || first === null) && (last === undefined || last === null)) throw new Error(ERROR_MESSAGES.firstOrLast);
  for (const size of [first, last]) {
    if (typeof size === 'number' && size > MAX_PAGE_SIZE) throw new Error(ERROR_MESSAGES.pageTooLarge(size));
    if (typeof size === 'number' && size < 0) throw new Error('Page size must be a non-negative number');
  }
  let list = args.reverse === true ? [...records].reverse() : [...records];
  const positionOf = (cursor: string) => {
    const wanted = decodeCursor(cursor);
    const index = list.findIndex((record) => legacyIdOf(idOf(record)) === wanted);
    if (index < 0) throw new Error(`Invalid cursor: ${cursor}`);
    return index;
  };
  let start = 0;
  let end = list.length;
  if (typeof after === 'string') start = positionOf(after) + 1;
  if (typeof before === 'string') end = positionOf(before);
  list = list.slice(start, Math.max(start, end));
  const all = list.length;
  if (typeof first === 'number') list = list.slice(0, first);
  if (typeof last === 'number') list = list.slice(Math.max(0, list.length - last));
  const edges = list.map((record) => ({ cursor: encodeCursor(idOf(record)), node: toView(record) }));
  const offset = typeof last === 'number' ? all - list.length : 0;
  return {
    edges,
    nodes: edges.map((edge) => edge.node),
    pageInfo: {
      hasNextPage: offset + list.length < all || (typeof before === 'string' && end < records.length),
      hasPreviousPage: start > 0 || offset > 0,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ last_id: legacyIdOf(id), last_value: legacyIdOf(id) })).toString('base64');
}

function decodeCursor(cursor: string): number | undefined {
  try {
    const { last_id: lastId } = JSON.parse(Buffer.from(cursor, 'base64').toString('utf8')) as { last_id?: unknown };
    return typeof lastId === 'number' ? lastId : undefined;
  } catch {
    return undefined;
  }
}

function sortBy<T>(records: T[], value: (record: T) => string | number): T[] {
  return [...records].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function customerProblems(state: ShopState, input: Args, selfId: string | undefined): UserError[] {
  const problems: UserError[] = [];
  const email = text(input.email);
  if (email !== null && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) problems.push({ field: ['email'], message: ERROR_MESSAGES.emailInvalid });
  else if (email !== null && state.customers.all().some((customer) => customer.id !== selfId && customer.email?.toLowerCase() === email.toLowerCase())) {
    problems.push({ field: ['email'], message: ERROR_MESSAGES.emailTaken });
  }
  if (selfId === undefined && input.id !== undefined && input.id !== null) problems.push({ field: ['id'], message: 'Id must be blank' });
  return problems;
}

function setQuantities(state: ShopState, input: Args, nowMs: number): { group: { id: string; reason: string; referenceDocumentUri: string | null; changes: ShopInventoryChange[]; createdAt: number } } | { userErrors: UserError[] } {
  const name = String(input.name);
  const reason = String(input.reason);
  if (!(SETTABLE_QUANTITY_NAMES as readonly string[]).includes(name)) return { userErrors: [{ field: ['input', 'name'], message: ERROR_MESSAGES.invalidName, code: 'INVALID_NAME' }] };
  if (!(INVENTORY_REASONS as readonly string[]).includes(reason)) return { userErrors: [{ field: ['input', 'reason'], message: ERROR_MESSAGES.invalidReason, code: 'INVALID_REASON' }] };
  const quantities = (input.quantities as Args[]) ?? [];
  const ignoreCompare = input.ignoreCompareQuantity === true;
  const errors: UserError[] = [];
  const seen = new Set<string>();
  quantities.forEach((quantity, index) => {
    const field = (leaf: string) => ['input', 'quantities', String(index), leaf];
    const itemId = String(quantity.inventoryItemId);
    const locationId = String(quantity.locationId);
    const key = inventoryLevelKey(itemId, locationId);
    if (variantOfItem(state, itemId) === undefined) return errors.push({ field: field('inventoryItemId'), message: ERROR_MESSAGES.invalidItem, code: 'INVALID_INVENTORY_ITEM' });
    if (state.locations.get(locationId) === undefined) return errors.push({ field: field('locationId'), message: ERROR_MESSAGES.invalidLocation, code: 'INVALID_LOCATION' });
    const level = state.inventory.get(key);
    if (level === undefined) return errors.push({ field: field('locationId'), message: ERROR_MESSAGES.notStocked, code: 'ITEM_NOT_STOCKED_AT_LOCATION' });
    if (seen.has(key)) return errors.push({ field: field('inventoryItemId'), message: 'The combination of inventoryItemId and locationId must be unique.', code: 'NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR' });
    seen.add(key);
    const target = Number(quantity.quantity);
    if (target > 1_000_000_000) return errors.push({ field: field('quantity'), message: 'The quantity can\'t be higher than 1,000,000,000.', code: 'INVALID_QUANTITY_TOO_HIGH' });
    if (target < -1_000_000_000) return errors.push({ field: field('quantity'), message: 'The quantity can\'t be lower than -1,000,000,000.', code: 'INVALID_QUANTITY_TOO_LOW' });
    if (!ignoreCompare) {
      const compare = quantity.compareQuantity;
      if (compare === undefined || compare === null) return errors.push({ field: field('compareQuantity'), message: ERROR_MESSAGES.compareRequired, code: 'COMPARE_QUANTITY_REQUIRED' });
      const current = name === 'available' ? level.available : level.onHand;
      if (Number(compare) !== current) return errors.push({ field: field('compareQuantity'), message: ERROR_MESSAGES.compareStale, code: 'COMPARE_QUANTITY_STALE' });
    }
    return undefined;
  });
  if (errors.length > 0) return { userErrors: errors };

  const changes: ShopInventoryChange[] = [];
  for (const quantity of quantities) {
    const itemId = String(quantity.inventoryItemId);
    const locationId = String(quantity.locationId);
    const level = state.inventory.get(inventoryLevelKey(itemId, locationId))!;
    const target = Number(quantity.quantity);
    // Setting `available` moves `on_hand` with it (committed stays); setting `on_hand` moves `available`.
    const delta = target - (name === 'available' ? level.available : level.onHand);
    const next = { available: level.available + delta, onHand: level.onHand + delta, updatedAt: nowMs };
    state.inventory.set(inventoryLevelKey(itemId, locationId), next);
    changes.push({ name, delta, quantityAfterChange: name === 'available' ? next.available : next.onHand, inventoryItemId: itemId, locationId });
    if (name === 'available') changes.push({ name: 'on_hand', delta, quantityAfterChange: next.onHand, inventoryItemId: itemId, locationId });
  }
  const group = state.adjustmentGroups.insert({
    id: state.nextId('InventoryAdjustmentGroup').id,
    reason,
    referenceDocumentUri: text(input.referenceDocumentUri),
    changes,
    createdAt: nowMs,
  });
  return { group };
}

function createFulfillment(state: ShopState, input: Args, nowMs: number): { fulfillment: ShopFulfillment } | { userErrors: UserError[] } {
  const groups = (input.lineItemsByFulfillmentOrder as Args[]) ?? [];
  if (groups.length === 0) return { userErrors: [{ field: ['fulfillment', 'lineItemsByFulfillmentOrder'], message: 'Line items by fulfillment order must be present.' }] };
  const plan: { fo: ShopFulfillmentOrder; lines: { id: string; quantity: number }[] }[] = [];
  let orderId: string | undefined;
  for (const [index, group] of groups.entries()) {
    const field = ['fulfillment', 'lineItemsByFulfillmentOrder', String(index), 'fulfillmentOrderId'];
    const fo = state.fulfillmentOrders.get(String(group.fulfillmentOrderId));
    if (fo === undefined) return { userErrors: [{ field, message: ERROR_MESSAGES.fulfillmentOrderMissing }] };
    if (fo.status !== 'OPEN' && fo.status !== 'IN_PROGRESS') return { userErrors: [{ field, message: ERROR_MESSAGES.unfulfillable(String(legacyIdOf(fo.id)), fo.status) }] };
    if (orderId !== undefined && fo.orderId !== orderId) return { userErrors: [{ field, message: 'All fulfillment orders must belong to the same order.' }] };
    orderId = fo.orderId;
    const wanted = group.fulfillmentOrderLineItems as Args[] | null | undefined;
    const lines = wanted === undefined || wanted === null
      ? fo.lineItems.filter((line) => line.remainingQuantity > 0).map((line) => ({ id: line.id, quantity: line.remainingQuantity }))
      : wanted.map((line) => ({ id: String(line.id), quantity: Number(line.quantity) }));
    for (const line of lines) {
      const own = fo.lineItems.find((candidate) => candidate.id === line.id);
      if (own === undefined || line.quantity < 1 || line.quantity > own.remainingQuantity) {
        return { userErrors: [{ field: ['fulfillment', 'lineItemsByFulfillmentOrder', String(index), 'fulfillmentOrderLineItems'], message: ERROR_MESSAGES.quantityTooHigh }] };
      }
    }
    plan.push({ fo, lines });
  }
  let totalQuantity = 0;
  for (const { fo, lines } of plan) {
    const lineItems = fo.lineItems.map((line) => {
      const taken = lines.find((candidate) => candidate.id === line.id)?.quantity ?? 0;
      totalQuantity += taken;
      return { ...line, remainingQuantity: line.remainingQuantity - taken };
    });
    const isDone = lineItems.every((line) => line.remainingQuantity === 0);
    state.fulfillmentOrders.update(fo.id, { lineItems, status: isDone ? 'CLOSED' : 'IN_PROGRESS', updatedAt: nowMs });
  }
  const order = state.orders.get(orderId!)!;
  state.orders.update(order.id, { updatedAt: nowMs });
  const tracking = (input.trackingInfo ?? {}) as Args;
  const hasTracking = ['company', 'number', 'url'].some((key) => text(tracking[key]) !== null);
  const count = state.fulfillments.all().filter((f) => f.orderId === order.id).length;
  const fulfillment = state.fulfillments.insert({
    ...state.nextId('Fulfillment'),
    orderId: order.id,
    name: `${orderName(order)}-F${count + 1}`,
    status: 'SUCCESS',
    totalQuantity,
    tracking: hasTracking ? [{ company: text(tracking.company), number: text(tracking.number), url: text(tracking.url) }] : [],
    createdAt: nowMs,
    updatedAt: nowMs,
  });
  return { fulfillment };
}

export function refundedQuantity(state: ShopState, lineItemId: string): number {
  return state.refunds
    .all()
    .flatMap((refund) => refund.lines)
    .filter((line) => line.lineItemId === lineItemId)
    .reduce((sum, line) => sum + line.quantity, 0);
}

function variantOfItem(state: ShopState, inventoryItemId: string): ShopVariant | undefined {
  return state.variants.all().find((variant) => variant.inventoryItemId === inventoryItemId);
}

function moneyBag(amount: string, currencyCode: string) {
  const value = { amount: money(toCents(amount)), currencyCode };
  return { shopMoney: value, presentmentMoney: value };
}

/** Shopify's DateTime: ISO 8601 in UTC, whole seconds. */
export function dateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function optional<T, V>(record: T | undefined, toView: (record: T) => V): V | null {
  return record === undefined ? null : toView(record);
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function tagsOf(value: unknown): string[] {
  return Array.isArray(value) ? [...new Set(value.map(String).map((tag) => tag.trim()).filter(Boolean))] : [];
}

function addressesOf(value: unknown): ShopAddress[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return (value as Args[]).map((entry) => ({
    firstName: text(entry.firstName),
    lastName: text(entry.lastName),
    address1: text(entry.address1),
    address2: text(entry.address2),
    city: text(entry.city),
    provinceCode: text(entry.provinceCode),
    zip: text(entry.zip),
    countryCode: text(entry.countryCode),
    phone: text(entry.phone),
    company: text(entry.company),
  }));
}
