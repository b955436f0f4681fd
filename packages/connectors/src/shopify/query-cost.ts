import {
  getNamedType,
  isLeafType,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { MUTATION_COST } from './shopify.fixtures.ts';

/**
 * Shopify's calculated query cost: a scalar or enum field costs 0, an object 1, a connection 2
 * plus its page size times what each node costs, and a mutation 10. The requested cost plans
 * for full pages (`first`/`last`); the actual cost counts the nodes that came back.
 */

interface CostInput {
  schema: GraphQLSchema;
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

export function requestedQueryCost(input: CostInput): number {
  return operationCost(input, undefined);
}

/** With the response's data: pages are costed by what they held. */
export function actualQueryCost(input: CostInput, data: unknown): number {
  return operationCost(input, data ?? null);
}

function operationCost(input: CostInput, data: unknown): number {
  const root = input.operation.operation === 'mutation' ? input.schema.getMutationType() : input.schema.getQueryType();
  if (root === null || root === undefined) return 0;
  const isMutation = input.operation.operation === 'mutation';
  let cost = 0;
  for (const field of fieldsOf(input.operation.selectionSet, input.fragments)) {
    const fieldCost = fieldCostOf(input, root, field, childData(data, field));
    cost += isMutation && fieldCost.isObject ? MUTATION_COST - 1 + fieldCost.cost : fieldCost.cost;
  }
  return cost;
}

function selectionCost(input: CostInput, type: GraphQLObjectType, selectionSet: SelectionSetNode | undefined, data: unknown): number {
  if (selectionSet === undefined) return 0;
  let cost = 0;
  for (const field of fieldsOf(selectionSet, input.fragments)) cost += fieldCostOf(input, type, field, childData(data, field)).cost;
  return cost;
}

function fieldCostOf(input: CostInput, parent: GraphQLObjectType, field: FieldNode, data: unknown): { cost: number; isObject: boolean } {
  if (field.name.value.startsWith('__')) return { cost: 0, isObject: false };
  const definition = parent.getFields()[field.name.value];
  if (definition === undefined) return { cost: 0, isObject: false };
  const type = getNamedType(definition.type);
  if (isLeafType(type) || !isObjectType(type)) return { cost: 0, isObject: false };
  if (type.name.endsWith('Connection')) return { cost: connectionCost(input, type, field, data), isObject: true };
  // A list of objects is costed as one object: Shopify sizes only connections.
  const item = Array.isArray(data) ? data[0] : data;
  return { cost: 1 + selectionCost(input, type, field.selectionSet, item), isObject: true };
}

function connectionCost(input: CostInput, connection: GraphQLObjectType, field: FieldNode, data: unknown): number {
  const nodeType = getNamedType(connection.getFields().nodes?.type);
  if (nodeType === undefined || !isObjectType(nodeType)) return 2;
  // The node selections, from `edges { node { … } }` and `nodes { … }`.
  const nodeSelections: { selectionSet: SelectionSetNode | undefined; items: (data: unknown) => unknown[] }[] = [];
  for (const child of fieldsOf(field.selectionSet, input.fragments)) {
    if (child.name.value === 'nodes') {
      nodeSelections.push({ selectionSet: child.selectionSet, items: (page) => asArray(childData(page, child)) });
    } else if (child.name.value === 'edges') {
      for (const edgeField of fieldsOf(child.selectionSet, input.fragments)) {
        if (edgeField.name.value !== 'node') continue;
        nodeSelections.push({
          selectionSet: edgeField.selectionSet,
          items: (page) => asArray(childData(page, child)).map((edge) => childData(edge, edgeField)),
        });
      }
    }
  }
  let cost = 2;
  for (const selection of nodeSelections) {
    if (data === undefined) {
      cost += pageSize(field, input.variables) * (1 + selectionCost(input, nodeType, selection.selectionSet, undefined));
    } else {
      for (const item of selection.items(data)) cost += 1 + selectionCost(input, nodeType, selection.selectionSet, item);
    }
  }
  return cost;
}

function pageSize(field: FieldNode, variables: Record<string, unknown>): number {
  for (const name of ['first', 'last']) {
    const argument = field.arguments?.find((candidate) => candidate.name.value === name);
    const value = argument === undefined ? undefined : valueOf(argument.value, variables);
    if (typeof value === 'number') return value;
  }
  return 0;
}

function valueOf(node: ValueNode, variables: Record<string, unknown>): unknown {
  if (node.kind === Kind.VARIABLE) return variables[node.name.value];
  if (node.kind === Kind.INT) return Number(node.value);
  return undefined;
}

function fieldsOf(selectionSet: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>): FieldNode[] {
  if (selectionSet === undefined) return [];
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) fields.push(...fieldsOf(selection.selectionSet, fragments));
    else {
      const fragment = fragments[selection.name.value];
      if (fragment !== undefined) fields.push(...fieldsOf(fragment.selectionSet, fragments));
    }
  }
  return fields;
}

/** undefined while planning (no data yet); null or a value once the response is known. */
function childData(data: unknown, field: FieldNode): unknown {
  if (data === undefined) return undefined;
  if (typeof data !== 'object' || data === null) return null;
  return (data as Record<string, unknown>)[field.alias?.value ?? field.name.value] ?? null;
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
