/// <reference types="@cloudflare/workers-types" />
// The reference above types `cloudflare:workers` for this file's compilation only: since
// TypeScript 5.5 a reference directive is not copied into the emitted .d.ts, so the
// published declarations import `cloudflare:workers` and resolve it with the app's own
// Workers types (@cloudflare/workers-types or `wrangler types`).
import { DurableObject } from 'cloudflare:workers'
import type { RecordedSessionRow } from './durable-object.js'

// One object per subject (durable-object.ts names it after the subject), so these tables
// hold one user's revocations and recorded sessions. Created at the first write, never by a
// check: an object that is only asked stores nothing. live_sessions came later: objects
// written before it gain it at their next call (SCHEMA runs once per instance).
const SCHEMA = `CREATE TABLE IF NOT EXISTS revoked_sessions (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS not_before (one INTEGER PRIMARY KEY CHECK (one = 1), n INTEGER NOT NULL, e INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS live_sessions (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, last_seen_at INTEGER, label TEXT) WITHOUT ROWID;`


/**
 * The Durable Object class behind `durableObjectRevocations()`: one object per subject,
 * holding that user's revoked session ids, "not before" time and recorded sessions (for
 * listing them and `maxSessions`) in its SQLite storage.
 * Export it from your Worker's entry module and bind it with a `new_sqlite_classes`
 * migration; call it only through `durableObjectRevocations()`.
 *
 * Each method runs its SQL synchronously, so one object's calls never interleave: racing
 * revocations of one user all land. An alarm at the latest expiry it holds deletes the
 * object's storage once nothing in it can matter, so storage tracks live revocations.
 * Times are Unix seconds; `now` is the caller's clock, as for the other stores.
 *
 * @example
 * ```ts
 * // src/index.ts, the Worker's entry module
 * export { SessionRevocations } from 'sealed-session/durable-object'
 * ```
 */
export class SessionRevocations extends DurableObject<unknown> {
  /** Whether this instance has seen its tables (created by a write, dropped by cleanup). */
  #schema = false
  /** Whether SCHEMA ran in this instance (it adds tables that older objects lack). */
  #ready = false

  /** Is the session revoked, by its id or by the subject's not-before time? */
  isRevoked(sessionId: string, createdAt: number, now: number): boolean {
    check(typeof sessionId === 'string', 'sessionId')
    checkTimes(createdAt, now)
    if (!this.#hasSchema()) return false
    const row = this.ctx.storage.sql
      .exec<{ revoked: number }>(
        `SELECT EXISTS (SELECT 1 FROM not_before WHERE ?1 < n AND e > ?2)
             OR EXISTS (SELECT 1 FROM revoked_sessions WHERE id = ?3 AND expires_at > ?2) AS revoked`,
        createdAt,
        now,
        sessionId,
      )
      .one()
    return row.revoked === 1
  }

  /** The subject's not-before time while it still matters. */
  notBefore(now: number): number | undefined {
    checkTimes(now)
    if (!this.#hasSchema()) return undefined
    return this.ctx.storage.sql.exec<{ n: number }>('SELECT n FROM not_before WHERE e > ?', now).toArray()[0]?.n
  }

  /** Revokes one session until `expiresAt`. */
  async revokeSession(sessionId: string, expiresAt: number, now: number): Promise<void> {
    check(typeof sessionId === 'string' && sessionId.length > 0, 'sessionId')
    checkTimes(expiresAt, now)
    this.#createSchema()
    this.ctx.storage.sql.exec(
      `INSERT INTO revoked_sessions (id, expires_at) VALUES (?, ?)
       ON CONFLICT (id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)`,
      sessionId,
      expiresAt,
    )
    this.ctx.storage.sql.exec('DELETE FROM live_sessions WHERE id = ?', sessionId)
    await this.#prune(now)
  }

  /** Revokes every session created before `notBefore`; neither time ever moves back. */
  async revokeSubject(notBefore: number, expiresAt: number, now: number): Promise<void> {
    checkTimes(notBefore, expiresAt, now)
    this.#createSchema()
    this.ctx.storage.sql.exec(
      `INSERT INTO not_before (one, n, e) VALUES (1, ?, ?)
       ON CONFLICT (one) DO UPDATE SET n = max(n, excluded.n), e = max(e, excluded.e)`,
      notBefore,
      expiresAt,
    )
    this.ctx.storage.sql.exec('DELETE FROM live_sessions WHERE created_at < (SELECT n FROM not_before)')
    await this.#prune(now)
  }

  /**
   * Records a sign-in, dated no earlier than the not-before time; with `limit`, revokes the
   * oldest other recorded sessions beyond it. Synchronous SQL, so racing sign-ins of one
   * user are counted one at a time.
   */
  async recordSession(
    sessionId: string,
    createdAt: number,
    expiresAt: number,
    label: string | undefined,
    limit: number | undefined,
    now: number,
    refuse = false,
  ): Promise<{ createdAt: number; evicted: string[]; refused?: boolean }> {
    check(typeof sessionId === 'string' && sessionId.length > 0, 'sessionId')
    check(label === undefined || typeof label === 'string', 'label')
    check(limit === undefined || (Number.isSafeInteger(limit) && limit >= 1), 'limit')
    checkTimes(createdAt, expiresAt, now)
    this.#createSchema()
    const sql = this.ctx.storage.sql
    sql.exec('DELETE FROM live_sessions WHERE expires_at <= ?', now)
    const created = Math.max(createdAt, this.notBefore(now) ?? 0)
    const evicted: string[] = []
    if (limit !== undefined) {
      const others = sql.exec<{ id: string; expires_at: number }>('SELECT id, expires_at FROM live_sessions WHERE id != ? ORDER BY created_at, id', sessionId).toArray()
      // The 'refuse' policy: at the limit, record nothing and revoke nothing.
      if (refuse && others.length >= limit) return { createdAt: created, evicted: [], refused: true }
      for (const old of others.slice(0, Math.max(0, others.length + 1 - limit))) {
        sql.exec(
          `INSERT INTO revoked_sessions (id, expires_at) VALUES (?, ?)
           ON CONFLICT (id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)`,
          old.id,
          old.expires_at,
        )
        sql.exec('DELETE FROM live_sessions WHERE id = ?', old.id)
        evicted.push(old.id)
      }
    }
    sql.exec(
      `INSERT INTO live_sessions (id, created_at, expires_at, label) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET created_at = excluded.created_at, expires_at = excluded.expires_at, label = excluded.label`,
      sessionId,
      created,
      expiresAt,
      label ?? null,
    )
    await this.#prune(now)
    return { createdAt: created, evicted }
  }

  /** `isRevoked()`, and a recorded session's last-seen time set to `now` when it is not. */
  touchSession(sessionId: string, createdAt: number, now: number): boolean {
    if (this.isRevoked(sessionId, createdAt, now)) return true
    if (!this.#hasSchema()) return false
    this.#createSchema()
    this.ctx.storage.sql.exec('UPDATE live_sessions SET last_seen_at = ?1 WHERE id = ?2 AND expires_at > ?1 AND last_seen_at IS NOT ?1', now, sessionId)
    return false
  }

  /** The recorded sessions that are neither revoked nor expired. */
  listSessions(now: number): RecordedSessionRow[] {
    checkTimes(now)
    if (!this.#hasSchema()) return []
    this.#createSchema()
    const rows = this.ctx.storage.sql
      .exec<{ id: string; created_at: number; expires_at: number; last_seen_at: number | null; label: string | null }>(
        `SELECT id, created_at, expires_at, last_seen_at, label FROM live_sessions
         WHERE expires_at > ?1
           AND id NOT IN (SELECT id FROM revoked_sessions WHERE expires_at > ?1)
           AND NOT EXISTS (SELECT 1 FROM not_before WHERE live_sessions.created_at < n AND e > ?1)`,
        now,
      )
      .toArray()
    return rows.map((row) => ({
      sessionId: row.id,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      ...(row.last_seen_at === null ? {} : { lastSeenAt: row.last_seen_at }),
      ...(row.label === null ? {} : { label: row.label }),
    }))
  }

  /** Cleanup, at the latest expiry this object holds: by then nothing in it matters. */
  override async alarm(): Promise<void> {
    if (this.#hasSchema()) await this.#prune(Math.floor(Date.now() / 1000))
  }

  /** Drops what can no longer matter; then either deletes everything or sets the alarm for the rest. */
  async #prune(now: number): Promise<void> {
    const sql = this.ctx.storage.sql
    sql.exec('DELETE FROM revoked_sessions WHERE expires_at <= ?', now)
    sql.exec('DELETE FROM not_before WHERE e <= ?', now)
    sql.exec('DELETE FROM live_sessions WHERE expires_at <= ?', now)
    const { latest } = sql
      .exec<{ latest: number | null }>(
        'SELECT max(t) AS latest FROM (SELECT expires_at AS t FROM revoked_sessions UNION ALL SELECT e FROM not_before UNION ALL SELECT expires_at FROM live_sessions)',
      )
      .one()
    if (latest === null) {
      // Nothing left: free the object's storage entirely (tables, alarm and the metadata
      // Cloudflare bills). The flag goes first: a call that runs while these are pending
      // must create the tables again.
      this.#schema = false
      this.#ready = false
      await this.ctx.storage.deleteAlarm()
      await this.ctx.storage.deleteAll()
    } else {
      await this.ctx.storage.setAlarm(latest * 1000)
    }
  }

  #hasSchema(): boolean {
    if (!this.#schema) {
      this.#schema = this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'revoked_sessions'").toArray().length > 0
    }
    return this.#schema
  }

  #createSchema(): void {
    if (!this.#ready) this.ctx.storage.sql.exec(SCHEMA)
    this.#schema = this.#ready = true
  }
}

function check(ok: boolean, name: string): void {
  if (!ok) throw new TypeError(`SessionRevocations: invalid ${name}`)
}

function checkTimes(...times: number[]): void {
  for (const time of times) check(Number.isSafeInteger(time), 'time')
}
