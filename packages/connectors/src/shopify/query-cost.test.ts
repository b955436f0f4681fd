import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, getOperationAST, Kind, parse, type FragmentDefinitionNode } from 'graphql';
import { ADMIN_SCHEMA_SDL } from './admin-schema.ts';
import { actualQueryCost, requestedQueryCost } from './query-cost.ts';

const schema = buildSchema(ADMIN_SCHEMA_SDL);

function costInput(query: string, variables: Record<string, unknown> = {}) {
  const document = parse(query);
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  return { schema, operation: getOperationAST(document)!, fragments, variables };
}

describe('Shopify query cost', () => {
  it('charges nothing for scalars and enums, 1 for each object', () => {
    assert.equal(requestedQueryCost(costInput('{ order(id: "x") { id name displayFulfillmentStatus } }')), 1);
    assert.equal(requestedQueryCost(costInput('{ order(id: "x") { id customer { id defaultAddress { city } } totalPriceSet { shopMoney { amount } } } }')), 5);
  });

  it('sizes a connection by first or last: 2 plus the page size times what a node costs, nested connections multiplied', () => {
    assert.equal(requestedQueryCost(costInput('{ orders(first: 10) { nodes { id } } }')), 2 + 10);
    assert.equal(requestedQueryCost(costInput('query($n: Int!) { orders(last: $n) { edges { cursor node { id customer { id } } } pageInfo { hasNextPage } } }', { n: 5 })), 2 + 5 * 2);
    assert.equal(requestedQueryCost(costInput('{ orders(first: 10) { nodes { id lineItems(first: 5) { nodes { id } } } } }')), 2 + 10 * (1 + 2 + 5));
  });

  it('counts fragments, inline fragments and aliases like the fields they stand for', () => {
    const query = `
      query { a: order(id: "1") { ...Parts } b: order(id: "2") { ... on Order { customer { id } } } }
      fragment Parts on Order { customer { id } }
    `;
    assert.equal(requestedQueryCost(costInput(query)), 4);
  });

  it('charges a mutation 10 plus its selection', () => {
    assert.equal(requestedQueryCost(costInput('mutation { customerCreate(input: {}) { customer { id } userErrors { field } } }')), 10 + 1 + 1);
  });

  it('charges what came back, not the full pages that were asked for', () => {
    const input = costInput('{ orders(first: 10) { nodes { id lineItems(first: 5) { nodes { id } } } } }');
    const data = { orders: { nodes: [{ id: '1', lineItems: { nodes: [{ id: 'a' }, { id: 'b' }] } }, { id: '2', lineItems: { nodes: [] } }] } };
    assert.equal(actualQueryCost(input, data), 2 + (1 + 2 + 2) + (1 + 2));
    assert.equal(actualQueryCost(costInput('{ order(id: "x") { id customer { id } } }'), { order: null }), 2);
  });
});
