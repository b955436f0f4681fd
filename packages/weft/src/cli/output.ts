/**
 * Everything the CLI writes goes through here: data to stdout (tables, or JSON with --json),
 * messages and progress to stderr, so `weft runs --json | jq` always gets clean JSON.
 * Colour only when stdout is a terminal and NO_COLOR is unset (https://no-color.org).
 */

export interface TextStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: TextStream;
  stderr: TextStream;
  env: Record<string, string | undefined>;
  cwd: string;
}

export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';

const ANSI: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
};

export interface Column<Row> {
  header: string;
  value: (row: Row) => string;
  style?: (row: Row) => Style | undefined;
  /** Cells longer than this are cut with "…" (default 60). */
  maxWidth?: number;
}

export interface Output {
  /** One line of data on stdout. */
  line(text?: string): void;
  json(value: unknown): void;
  table<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): void;
  /** A message on stderr. */
  note(text: string): void;
  style(style: Style, text: string): string;
  /** A progress bar on stderr when it is a terminal; otherwise nothing (logs stay clean). */
  progress(total: number, label: string): Progress;
  /** Progress whose end is not known in advance: one line redrawn on a terminal, a line each otherwise. */
  status(text: string): void;
}

export interface Progress {
  tick(): void;
  done(): void;
}

export function createOutput(io: CliIo): Output {
  const isColour = io.stdout.isTTY === true && !io.env.NO_COLOR;
  const style = (name: Style, text: string): string => {
    if (!isColour) return text;
    const [open, close] = ANSI[name];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  };

  return {
    line: (text = '') => io.stdout.write(text + '\n'),
    json: (value) => io.stdout.write(JSON.stringify(value, null, 2) + '\n'),
    table: (rows, columns) => {
      for (const line of formatTable(rows, columns, style)) io.stdout.write(line + '\n');
    },
    note: (text) => io.stderr.write(text + '\n'),
    style,
    progress: (total, label) => (io.stderr.isTTY === true ? createProgressBar(io.stderr, total, label) : { tick() {}, done() {} }),
    status: (text) => {
      if (io.stderr.isTTY === true) io.stderr.write(`\r\u001b[2K${text}`);
      else io.stderr.write(text + '\n');
    },
  };
}

export function formatTable<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  style: (name: Style, text: string) => string = (_, text) => text,
): string[] {
  const cells = rows.map((row) => columns.map((column) => truncate(column.value(row), column.maxWidth ?? 60)));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((row) => row[i]!.length)));
  const pad = (text: string, i: number) => (i === columns.length - 1 ? text : text.padEnd(widths[i]!));
  const header = columns.map((column, i) => pad(column.header.toUpperCase(), i)).join('  ');
  const lines = [style('dim', header.trimEnd())];
  rows.forEach((row, r) => {
    const line = columns.map((column, i) => {
      const text = pad(cells[r]![i]!, i);
      const name = column.style?.(row);
      // Pad before colouring: escape codes have no width.
      return name ? style(name, text) : text;
    });
    lines.push(line.join('  ').trimEnd());
  });
  return lines;
}

function truncate(text: string, maxWidth: number): string {
  const oneLine = text.replace(/\s*\n\s*/g, ' ');
  return oneLine.length <= maxWidth ? oneLine : oneLine.slice(0, maxWidth - 1) + '…';
}

function createProgressBar(stream: TextStream, total: number, label: string): Progress {
  const width = 30;
  let count = 0;
  const draw = () => {
    const filled = total === 0 ? width : Math.round((count / total) * width);
    stream.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${count}/${total}`);
  };
  draw();
  return {
    tick: () => {
      count += 1;
      draw();
    },
    done: () => stream.write('\r\u001b[2K'),
  };
}

/** Times are shown as ISO 8601 UTC, to the millisecond. */
export function formatTime(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString();
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${(ms / 60_000).toFixed(1)}m`;
}

export const RUN_STATUS_STYLE: Record<string, Style> = {
  succeeded: 'green',
  exception: 'red',
  waiting: 'yellow',
  running: 'cyan',
  queued: 'dim',
  open: 'red',
  replayed: 'green',
  discarded: 'dim',
};
