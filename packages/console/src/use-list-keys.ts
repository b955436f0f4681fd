import { useEffect } from 'preact/hooks';

/** Typing in a field is never a shortcut. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * j / k move focus through the rows of the list with id `listId` (rows carry `data-row`); a
 * focused row opens with Enter (see `rowKeys`). Focus, not a private selection, so Tab, screen
 * readers and the keys agree on where the operator is.
 */
export function useListKeys(listId: string): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTyping(event.target) || event.metaKey || event.ctrlKey || event.altKey) return;
      if (event.key !== 'j' && event.key !== 'k') return;
      const rows = [...document.querySelectorAll<HTMLElement>(`#${listId} [data-row]`)];
      if (rows.length === 0) return;
      event.preventDefault();
      const current = rows.findIndex((row) => row === document.activeElement || row.contains(document.activeElement));
      const next = current === -1 ? 0 : Math.max(0, Math.min(rows.length - 1, current + (event.key === 'j' ? 1 : -1)));
      rows[next]!.focus();
      rows[next]!.scrollIntoView({ block: 'nearest' });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [listId]);
}

/** Props for a focusable row that opens on Enter or click. */
export function rowKeys(index: number, open: () => void) {
  return {
    'data-row': index,
    tabIndex: 0,
    onKeyDown: (event: KeyboardEvent) => {
      if (event.key === 'Enter' && event.target === event.currentTarget) {
        event.preventDefault();
        open();
      }
    },
    onClick: (event: MouseEvent) => {
      // A link or button inside the row does its own thing.
      if ((event.target as Element).closest('a, button, input, select, textarea')) return;
      open();
    },
  };
}
