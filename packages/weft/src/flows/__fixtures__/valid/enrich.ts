export function enrich(input: { steps: Record<string, unknown> }): unknown {
  return { ...(input.steps['order'] as object), enriched: true };
}
