import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../env';
import { Schema, type Migration } from './migrations';

/** How many failed sign-ins or wrong bearer tokens one address may make within the window. */
export const AUTH_FAILURES = 10;
export const AUTH_WINDOW_S = 600;

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'dashboard sessions and failed admin authentications',
    up(sql) {
      sql.exec(`
        CREATE TABLE sessions (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
        CREATE TABLE failures (key TEXT NOT NULL, at INTEGER NOT NULL);
        CREATE INDEX failures_key_at ON failures (key, at);
      `);
    },
  },
];

/**
 * Who may use the admin side, for the whole deployment (one object; admin traffic is light):
 * - dashboard sessions, so that signing out ends a session at once and "sign out everywhere" ends
 *   all (a session cookie is also bound to ADMIN_TOKEN, so rotating the token ends them too);
 * - failed sign-ins and wrong bearer tokens per client address (an HMAC of it, never the
 *   address), so that guessing the token is throttled.
 */
export class AdminAccess extends DurableObject<Env> {
  private readonly schema = new Schema(this.ctx.storage, MIGRATIONS);

  private get sql(): SqlStorage {
    return this.schema.sql;
  }

  openSession(id: string, expiresAt: number, now: number): void {
    this.sql.exec('DELETE FROM sessions WHERE expires_at <= ?', now);
    this.sql.exec('INSERT OR REPLACE INTO sessions (id, expires_at) VALUES (?, ?)', id, expiresAt);
  }

  sessionAlive(id: string, now: number): boolean {
    return this.sql.exec('SELECT 1 FROM sessions WHERE id = ? AND expires_at > ?', id, now).toArray().length > 0;
  }

  closeSession(id: string): void {
    this.sql.exec('DELETE FROM sessions WHERE id = ?', id);
  }

  /** Ends every dashboard session; returns how many were open. */
  closeAll(): number {
    return this.sql.exec('DELETE FROM sessions').rowsWritten;
  }

  /** Seconds until this address may try again, or 0 when it may now. */
  blockedFor(key: string, now: number): number {
    const since = now - AUTH_WINDOW_S * 1000;
    const rows = this.sql.exec<{ at: number }>('SELECT at FROM failures WHERE key = ? AND at > ? ORDER BY at DESC LIMIT ?', key, since, AUTH_FAILURES).toArray();
    if (rows.length < AUTH_FAILURES) return 0;
    // Free again once the oldest of the last AUTH_FAILURES failures leaves the window.
    return Math.max(1, Math.ceil((rows[rows.length - 1]!.at + AUTH_WINDOW_S * 1000 - now) / 1000));
  }

  /** Records a failure; returns the seconds the address is now blocked for (0 when it is not). */
  failed(key: string, now: number): number {
    this.sql.exec('DELETE FROM failures WHERE at <= ?', now - AUTH_WINDOW_S * 1000);
    this.sql.exec('INSERT INTO failures (key, at) VALUES (?, ?)', key, now);
    return this.blockedFor(key, now);
  }
}
