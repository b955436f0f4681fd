import { dateTime, refundedQuantity } from './sandbox-resolvers.ts';
import { fulfillmentStatusOf, legacyIdOf, money, orderName, orderTotal, toCents, type ShopAddress, type ShopLineItem, type ShopOrder, type ShopRefund, type ShopState } from './sandbox-shop.ts';

/**
 * Webhook bodies as Shopify sends them: the REST resource (snake_case, numeric ids, decimal
 * strings, `admin_graphql_api_id` for the GraphQL id), not the GraphQL shape. The sandbox's
 * webhooks carry the fields flows commonly read; Shopify sends more.
 */

export function orderPayload(state: ShopState, order: ShopOrder): Record<string, unknown> {
  const customer = order.customerId === null ? undefined : state.customers.get(order.customerId);
  const fulfillment = fulfillmentStatusOf(state, order);
  return {
    id: order.legacyResourceId,
    admin_graphql_api_id: order.id,
    name: orderName(order),
    order_number: order.number,
    email: order.email,
    phone: order.phone,
    created_at: dateTime(order.createdAt),
    updated_at: dateTime(order.updatedAt),
    processed_at: dateTime(order.createdAt),
    cancelled_at: order.cancelledAt === null ? null : dateTime(order.cancelledAt),
    cancel_reason: order.cancelReason?.toLowerCase() ?? null,
    closed_at: null,
    currency: order.currencyCode,
    presentment_currency: order.currencyCode,
    financial_status: order.financialStatus.toLowerCase(),
    fulfillment_status: fulfillment === 'FULFILLED' ? 'fulfilled' : fulfillment === 'PARTIALLY_FULFILLED' ? 'partial' : null,
    total_price: orderTotal(order),
    subtotal_price: orderTotal(order),
    total_tax: '0.00',
    tags: order.tags.join(', '),
    note: order.note,
    test: false,
    customer:
      customer === undefined
        ? null
        : {
            id: customer.legacyResourceId,
            admin_graphql_api_id: customer.id,
            email: customer.email,
            first_name: customer.firstName,
            last_name: customer.lastName,
            phone: customer.phone,
          },
    shipping_address: order.shippingAddress === null ? null : addressPayload(order.shippingAddress),
    line_items: order.lineItems.map((item) => lineItemPayload(state, item)),
  };
}

function lineItemPayload(state: ShopState, item: ShopLineItem): Record<string, unknown> {
  const variant = state.variants.get(item.variantId);
  return {
    id: legacyIdOf(item.id),
    admin_graphql_api_id: item.id,
    variant_id: variant?.legacyResourceId ?? null,
    product_id: variant === undefined ? null : legacyIdOf(variant.productId),
    sku: item.sku,
    title: item.title,
    variant_title: item.variantTitle,
    name: item.variantTitle === 'Default Title' ? item.title : `${item.title} - ${item.variantTitle}`,
    quantity: item.quantity,
    current_quantity: item.quantity - refundedQuantity(state, item.id),
    price: money(toCents(item.price)),
  };
}

export function refundPayload(state: ShopState, refund: ShopRefund): Record<string, unknown> {
  const order = state.orders.get(refund.orderId)!;
  return {
    id: refund.legacyResourceId,
    admin_graphql_api_id: refund.id,
    order_id: order.legacyResourceId,
    created_at: dateTime(refund.createdAt),
    processed_at: dateTime(refund.createdAt),
    note: refund.note,
    restock: false,
    user_id: null,
    refund_line_items: refund.lines.map((line, index) => {
      const item = order.lineItems.find((candidate) => candidate.id === line.lineItemId)!;
      return {
        id: refund.legacyResourceId * 10 + index,
        line_item_id: legacyIdOf(item.id),
        // Shopify embeds the refunded order line, so a receiver knows its SKU without another call.
        line_item: lineItemPayload(state, item),
        quantity: line.quantity,
        restock_type: 'no_restock',
        subtotal: money(toCents(item.price) * line.quantity),
        total_tax: '0.00',
      };
    }),
    transactions: [
      {
        id: refund.legacyResourceId + 1,
        order_id: order.legacyResourceId,
        kind: 'refund',
        status: 'success',
        gateway: 'manual',
        amount: refund.amount,
        currency: order.currencyCode,
        created_at: dateTime(refund.createdAt),
      },
    ],
    order_adjustments: [],
  };
}

function addressPayload(address: ShopAddress): Record<string, unknown> {
  return {
    first_name: address.firstName,
    last_name: address.lastName,
    address1: address.address1,
    address2: address.address2,
    city: address.city,
    province_code: address.provinceCode,
    zip: address.zip,
    country_code: address.countryCode,
    phone: address.phone,
    company: address.company,
  };
}
