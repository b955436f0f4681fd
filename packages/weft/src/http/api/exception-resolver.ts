import type { ObservedStore } from '../../store/observed-store.ts';

/**
 * An open exception needs nobody once a later run for the same record has completed: this
 * listener resolves them after each `run.completed`, outside the engine's path. Returns the
 * function that stops listening.
 */
export function resolveExceptionsOnCompletion(store: ObservedStore, options: { onError: (error: unknown) => void }): () => void {
  return store.observe((event) => {
    if (event.type !== 'run.completed') return;
    store.operations.resolveExceptionsAfter(event.runId, event.at).catch(options.onError);
  });
}

