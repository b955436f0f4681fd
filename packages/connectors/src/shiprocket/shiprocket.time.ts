import { IST_OFFSET, IST_OFFSET_MINUTES } from './shiprocket.fixtures.ts';

/**
 * Shiprocket writes local India time without an offset, in three shapes: "2026-01-05 10:00"
 * (order_date, as sent), "2026-01-05 10:00:00" (every date it answers with, sometimes with
 * microseconds) and "05 01 2026 10:00:00" (a webhook's current_timestamp). Canonical records need
 * the offset, which for India is always +05:30 (no DST).
 */

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;
const WEBHOOK = /^(\d{2}) (\d{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})$/;

/** "2026-01-05 10:00:00" → "2026-01-05T10:00:00+05:30"; undefined for the blanks Shiprocket sends for "not yet" ("", "NA", null). */
export function fromShiprocketTime(value: string | null | undefined, field: string): string | undefined {
  const text = value?.trim();
  if (text === undefined || text === '' || text.toUpperCase() === 'NA' || text.startsWith('0000-00-00')) return undefined;
  const local = LOCAL.exec(text);
  if (local !== null) {
    const [, year, month, day, hour, minute, second = '00'] = local;
    return `${year}-${month}-${day}T${hour}:${minute}:${second}${IST_OFFSET}`;
  }
  const webhook = WEBHOOK.exec(text);
  if (webhook !== null) {
    const [, day, month, year, hour, minute, second] = webhook;
    return `${year}-${month}-${day}T${hour}:${minute}:${second}${IST_OFFSET}`;
  }
  throw new TypeError(`${field} ${JSON.stringify(text)} is not a Shiprocket date ("YYYY-MM-DD HH:mm:ss" or "DD MM YYYY HH:mm:ss")`);
}

/** Any ISO 8601 instant → India local "YYYY-MM-DD HH:mm", the order_date format. */
export function toShiprocketOrderDate(iso: string): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) throw new TypeError(`${JSON.stringify(iso)} is not an ISO 8601 timestamp`);
  return istParts(at).slice(0, 16);
}

/** Epoch ms → "YYYY-MM-DD HH:mm:ss" India time, as Shiprocket answers with. */
export function istDateTime(epochMs: number): string {
  return istParts(epochMs);
}

/** Epoch ms → "DD MM YYYY HH:mm:ss" India time, a webhook's current_timestamp. */
export function istWebhookTimestamp(epochMs: number): string {
  const [date = '', time = ''] = istParts(epochMs).split(' ');
  const [year, month, day] = date.split('-');
  return `${day} ${month} ${year} ${time}`;
}

function istParts(epochMs: number): string {
  return new Date(epochMs + IST_OFFSET_MINUTES * 60_000).toISOString().slice(0, 19).replace('T', ' ');
}
