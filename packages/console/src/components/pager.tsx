interface PagerProps {
  page: number;
  hasNext: boolean;
  onPrevious(): void;
  onNext(): void;
  label: string;
}

/** Previous / next over server-side cursors: the console never holds more than one page. */
export function Pager({ page, hasNext, onPrevious, onNext, label }: PagerProps) {
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" onClick={onPrevious} disabled={page === 0}>
        Previous page
      </button>
      <span class="muted">page {page + 1}</span>
      <button type="button" onClick={onNext} disabled={!hasNext}>
        Next page
      </button>
    </nav>
  );
}
