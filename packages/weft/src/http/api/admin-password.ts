import { randomBytes } from 'node:crypto';
import type { TokenStore } from '../../store/store.ts';
import { hashPassword, verifyPassword } from './auth.ts';

/**
 * The local admin password at start: the configured one (adminPassword / WEFT_ADMIN_PASSWORD)
 * replaces the stored hash when it differs; with none configured and none stored, one is
 * generated and returned so the caller prints it, once. Only the scrypt hash is stored.
 */
export async function ensureAdminPassword(tokens: TokenStore, configured: string, now: number): Promise<{ generated?: string }> {
  const stored = await tokens.adminPasswordHash();
  if (configured !== '') {
    if (stored === undefined || !(await verifyPassword(configured, stored))) await tokens.setAdminPasswordHash(await hashPassword(configured), now, { replace: true });
    return {};
  }
  if (stored !== undefined) return {};
  const generated = randomBytes(18).toString('base64url');
  // Another process starting at the same moment may have set one first: then theirs stands.
  return (await tokens.setAdminPasswordHash(await hashPassword(generated), now)) ? { generated } : {};
}
