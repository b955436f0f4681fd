/**
 * FedEx timestamps come as "2018-02-02T12:01:00-07:00" (the spec), sometimes with the offset
 * written "-0700" or after a space, and some fields (dateAndTimes) carry no offset at all. This
 * gives ISO 8601 with a "+hh:mm"/"Z" offset, or undefined when there is none: a time without an
 * offset is a different instant in every system that reads it, so it is dropped, not guessed.
 */
export function fedexTimestamp(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}:?\d{2})$/.exec(text.trim());
  if (match === null) return undefined;
  const [, local, zone] = match as unknown as [string, string, string];
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const iso = `${local}${offset}`;
  return Number.isNaN(Date.parse(iso)) ? undefined : iso;
}

/** Epoch ms of a FedEx timestamp, or undefined when it has no offset. */
export function fedexInstant(text: string | undefined): number | undefined {
  const iso = fedexTimestamp(text);
  return iso === undefined ? undefined : Date.parse(iso);
}
