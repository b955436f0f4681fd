/** A cursor the client did not get from us (or from another listing). */
export class InvalidCursorError extends Error {
  readonly code = 'ERR_INVALID_CURSOR';
}

/**
 * Cursors are opaque to clients: the position after the last row of a page (keyset
 * pagination, so pages stay stable while rows are inserted), tagged with the listing it
 * belongs to so a runs cursor cannot be fed to the calls listing.
 */
export function encodeCursor(listing: string, position: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify([listing, ...position])).toString('base64url');
}

export function decodeCursor(listing: string, cursor: string, shape: ReadonlyArray<'string' | 'number'>): Array<string | number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('the cursor is not one this API issued');
  }
  if (!Array.isArray(parsed) || parsed[0] !== listing || parsed.length !== shape.length + 1) {
    throw new InvalidCursorError(`the cursor does not belong to the ${listing} listing`);
  }
  const position = parsed.slice(1) as unknown[];
  position.forEach((value, i) => {
    if (typeof value !== shape[i]) throw new InvalidCursorError('the cursor is not one this API issued');
  });
  return position as Array<string | number>;
}
