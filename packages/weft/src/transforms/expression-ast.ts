/**
 * Questions answered by reading a compiled JSONata AST, never by evaluating it.
 * The AST is walked generically (every object-valued property) so that node shapes this
 * module does not name — predicates, group-by pairs, object constructors — are still visited.
 */

interface AstNode {
  type?: unknown;
  value?: unknown;
  position?: unknown;
  steps?: unknown;
}

function walk(root: unknown, visit: (node: AstNode) => void): void {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current !== 'object' || current === null || current instanceof RegExp || seen.has(current)) continue;
    seen.add(current);
    if (!Array.isArray(current)) visit(current as AstNode);
    for (const child of Object.values(current)) stack.push(child);
  }
}

/**
 * JSONata builds a RegExp only from a regex literal, or from text handed to `$eval`.
 * Either can backtrack catastrophically inside one native call that no evaluation hook can
 * interrupt, so such expressions must run where they can be killed: a worker thread.
 */
export function needsIsolation(ast: unknown): boolean {
  let found = false;
  walk(ast, (node) => {
    if (node.type === 'regex' || (node.type === 'variable' && node.value === 'eval')) found = true;
  });
  return found;
}

export interface StepReference {
  id: string;
  /** 0-based offset of the id in the expression source. */
  position: number;
}

/** `steps.<id>`, `$.steps.<id>` and `$$.steps.<id>` paths, in source order. */
export function findStepReferences(ast: unknown): StepReference[] {
  const references: StepReference[] = [];
  walk(ast, (node) => {
    if (node.type !== 'path' || !Array.isArray(node.steps)) return;
    const steps = node.steps as AstNode[];
    const first = steps[0];
    const start = first?.type === 'variable' && (first.value === '' || first.value === '$') ? 1 : 0;
    const container = steps[start];
    const target = steps[start + 1];
    if (container?.type !== 'name' || container.value !== 'steps') return;
    if (target?.type !== 'name' || typeof target.value !== 'string') return;
    const end = typeof target.position === 'number' ? target.position : 0;
    references.push({ id: target.value, position: Math.max(0, end - target.value.length) });
  });
  return references.sort((a, b) => a.position - b.position);
}
