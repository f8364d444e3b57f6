/// <reference types="@cloudflare/workers-types" />
// The reference above types `cloudflare:workers` for this file's compilation only: since
// TypeScript 5.5 a reference directive is not copied into the emitted .d.ts, so the
// published declarations import `cloudflare:workers` and resolve it with the app's own
// Workers types (@cloudflare/workers-types or `wrangler types`).
import { DurableObject } from 'cloudflare:workers'
import { MAX_SESSIONS_PER_SUBJECT, PENDING_SECONDS } from '../session/revocation.js'
import { LATE_WRITE, type RecordedSessionRow } from './durable-object.js'

// One object per subject (durable-object.ts names it), so these tables hold one user's deny
// list (revoked ids, not-before time) and directory (pending and listed sessions; `ord` is
// the sign-in order, a counter, never a clock). Created at the first write, never by a
// check: an object that is only asked stores nothing. Objects written by 0.1 had a
// live_sessions table instead of sessions: SCHEMA (run once per instance, at the first call
// that finds tables) drops it; those sessions were checked against the deny list, which
// still covers them, so listing them would offer sign-outs that do not take effect.
const SCHEMA = `CREATE TABLE IF NOT EXISTS revoked_sessions (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS not_before (one INTEGER PRIMARY KEY CHECK (one = 1), n INTEGER NOT NULL, e INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, ord INTEGER NOT NULL, last_seen_at INTEGER, label TEXT, pending_until INTEGER) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sessions_by_ord ON sessions (ord);
DROP TABLE IF EXISTS live_sessions;`

/** A listed session that is alive at ?1 (confirmed, not expired). */
const LISTED = 'pending_until IS NULL AND expires_at > ?1'

type SessionRow = { id: string; created_at: number; expires_at: number; last_seen_at: number | null; label: string | null }

/**
 * The Durable Object class behind `durableObjectRevocations()`: one object per subject,
 * holding that user's deny list (revoked session ids, "not before" time) and session
 * directory (pending and listed sign-ins, for listing them and `maxSessions`) in its
 * SQLite storage. Export it from your Worker's entry module and bind it with a
 * `new_sqlite_classes` migration; call it only through `durableObjectRevocations()`.
 *
 * Each method runs its SQL synchronously (the writes in one `transactionSync`), so one
 * object's calls never interleave and a write lands whole or not at all: racing sign-ins
 * of one user are counted one at a time. A write carrying a deadline (wall-clock ms) that
 * arrives after it changes nothing and throws. What one user holds is bounded by
 * `MAX_SESSIONS_PER_SUBJECT`. An alarm at the latest moment anything it holds can matter
 * deletes the object's storage once nothing does, so storage tracks live sessions and
 * revocations, not history. Times are Unix seconds; `now` is the caller's clock, as for
 * the other stores; deadlines and the alarm use the object's own clock.
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
  /** Whether SCHEMA ran in this instance (it migrates tables of older objects). */
  #ready = false

  /** Is the session revoked, by its id or by the subject's not-before time? */
  isRevoked(sessionId: string, createdAt: number, now: number): boolean {
    check(typeof sessionId === 'string', 'sessionId')
    checkTimes(createdAt, now)
    if (!this.#tables()) return false
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
    if (!this.#tables()) return undefined
    return this.ctx.storage.sql.exec<{ n: number }>('SELECT n FROM not_before WHERE e > ?', now).toArray()[0]?.n
  }

  /**
   * Revokes one session until `expiresAt` (and drops it from the directory). Past
   * `MAX_SESSIONS_PER_SUBJECT` revoked ids, they fold into the not-before time (`now + 1`,
   * until the latest of their expiries): bounded, and no id is forgotten early.
   */
  async revokeSession(sessionId: string, expiresAt: number, now: number): Promise<void> {
    check(typeof sessionId === 'string' && sessionId.length > 0, 'sessionId')
    checkTimes(expiresAt, now)
    await this.#write(now, undefined, (sql) => {
      sql.exec('DELETE FROM sessions WHERE id = ?', sessionId)
      // Already expired: the session can no longer be accepted, nothing to remember.
      if (expiresAt <= now) return
      sql.exec(
        `INSERT INTO revoked_sessions (id, expires_at) VALUES (?, ?)
         ON CONFLICT (id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)`,
        sessionId,
        expiresAt,
      )
      if (count(sql, 'SELECT count(*) AS n FROM revoked_sessions') > MAX_SESSIONS_PER_SUBJECT) {
        const { until } = sql.exec<{ until: number }>('SELECT max(expires_at) AS until FROM revoked_sessions').one()
        raiseNotBefore(sql, now + 1, until)
        sql.exec('DELETE FROM revoked_sessions')
      }
    })
  }

  /**
   * Revokes every session created before `notBefore`; neither time ever moves back. Every
   * session in the directory now (listed or pending) was created before this call: all go.
   */
  async revokeSubject(notBefore: number, expiresAt: number, now: number): Promise<void> {
    checkTimes(notBefore, expiresAt, now)
    await this.#write(now, undefined, (sql) => {
      if (expiresAt > now) raiseNotBefore(sql, notBefore, expiresAt)
      sql.exec('DELETE FROM sessions')
    })
  }

  /**
   * Records a sign-in as pending (forgotten after `PENDING_SECONDS` unless confirmed), last
   * in sign-in order. `refuse` with `limit`: when the subject already holds `limit`
   * sessions (pending ones counted), records nothing. Beyond `MAX_SESSIONS_PER_SUBJECT`
   * pending sign-ins, the oldest are forgotten.
   */
  async record(
    entry: { sessionId: string; createdAt: number; expiresAt: number; label?: string | undefined },
    options: { limit?: number | undefined; policy?: 'evict-oldest' | 'refuse' | undefined; deadline?: number | undefined },
    now: number,
  ): Promise<{ refused: boolean }> {
    check(isObject(entry) && typeof entry.sessionId === 'string' && entry.sessionId.length > 0, 'sessionId')
    check(entry.label === undefined || typeof entry.label === 'string', 'label')
    checkTimes(entry.createdAt, entry.expiresAt, now)
    checkWrite(options)
    check(options.policy === undefined || options.policy === 'evict-oldest' || options.policy === 'refuse', 'policy')
    return this.#write(now, options.deadline, (sql) => {
      if (options.policy === 'refuse' && options.limit !== undefined && count(sql, 'SELECT count(*) AS n FROM sessions') >= options.limit) return { refused: true }
      const pending = count(sql, 'SELECT count(*) AS n FROM sessions WHERE pending_until IS NOT NULL')
      const over = pending + 1 - MAX_SESSIONS_PER_SUBJECT
      if (over > 0) sql.exec('DELETE FROM sessions WHERE id IN (SELECT id FROM sessions WHERE pending_until IS NOT NULL ORDER BY ord LIMIT ?)', over)
      sql.exec(
        `INSERT OR REPLACE INTO sessions (id, created_at, expires_at, ord, label, pending_until)
         VALUES (?, ?, ?, (SELECT coalesce(max(ord), 0) + 1 FROM sessions), ?, ?)`,
        entry.sessionId,
        entry.createdAt,
        entry.expiresAt,
        entry.label ?? null,
        now + PENDING_SECONDS,
      )
      return { refused: false }
    })
  }

  /**
   * Lists a pending sign-in (keeping its place in sign-in order) and, beyond `limit` (at most
   * `MAX_SESSIONS_PER_SUBJECT`), signs out the oldest other listed sessions: their ids,
   * oldest first. `confirmed: false` when it is no longer pending.
   */
  async confirm(sessionId: string, options: { limit?: number | undefined; deadline?: number | undefined }, now: number): Promise<{ confirmed: boolean; evicted: string[] }> {
    check(typeof sessionId === 'string', 'sessionId')
    checkTimes(now)
    checkWrite(options)
    return this.#write(now, options.deadline, (sql) => {
      // Expired entries are gone already (#write): any row left is alive.
      if (count(sql, 'SELECT count(*) AS n FROM sessions WHERE id = ? AND pending_until IS NOT NULL', sessionId) === 0) return { confirmed: false, evicted: [] }
      sql.exec('UPDATE sessions SET pending_until = NULL WHERE id = ?', sessionId)
      const keep = Math.min(options.limit ?? MAX_SESSIONS_PER_SUBJECT, MAX_SESSIONS_PER_SUBJECT)
      const over = count(sql, 'SELECT count(*) AS n FROM sessions WHERE pending_until IS NULL') - keep
      if (over <= 0) return { confirmed: true, evicted: [] }
      const evicted = sql
        .exec<{ id: string }>('SELECT id FROM sessions WHERE pending_until IS NULL AND id != ? ORDER BY ord LIMIT ?', sessionId, over)
        .toArray()
        .map((row) => row.id)
      for (const id of evicted) sql.exec('DELETE FROM sessions WHERE id = ?', id)
      return { confirmed: true, evicted }
    })
  }

  /**
   * The revocation check of a listed session: revoked unless it is listed (confirmed, not
   * expired); when it is, its last-seen time set to `now`. One primary-key lookup.
   */
  check(sessionId: string, now: number): boolean {
    check(typeof sessionId === 'string', 'sessionId')
    checkTimes(now)
    if (!this.#tables()) return true
    const sql = this.ctx.storage.sql
    const listed = sql.exec<{ seen: number | null }>(`SELECT last_seen_at AS seen FROM sessions WHERE id = ?2 AND ${LISTED}`, now, sessionId).toArray()[0]
    if (listed === undefined) return true
    if (listed.seen !== now) sql.exec('UPDATE sessions SET last_seen_at = ? WHERE id = ?', now, sessionId)
    return false
  }

  /** Gives a listed or pending session the id `to`, keeping everything else; false, changing nothing, when `from` is neither. */
  async rename(from: string, to: string, options: { deadline?: number | undefined }, now: number): Promise<boolean> {
    check(typeof from === 'string', 'sessionId')
    check(typeof to === 'string' && to.length > 0, 'sessionId')
    checkTimes(now)
    checkWrite(options)
    return this.#write(now, options.deadline, (sql) => {
      if (count(sql, 'SELECT count(*) AS n FROM sessions WHERE id = ?', from) === 0) return false
      if (from !== to) {
        sql.exec('DELETE FROM sessions WHERE id = ?', to)
        sql.exec('UPDATE sessions SET id = ? WHERE id = ?', to, from)
      }
      return true
    })
  }

  /** Signs out these sessions (listed or pending), in one step; how many of them were listed. */
  async revokeSessions(sessionIds: string[], now: number): Promise<number> {
    check(Array.isArray(sessionIds) && sessionIds.length <= 2 * MAX_SESSIONS_PER_SUBJECT && sessionIds.every((id) => typeof id === 'string'), 'sessionIds')
    checkTimes(now)
    if (!this.#tables()) return 0
    return this.#write(now, undefined, (sql) => {
      let listed = 0
      for (const id of new Set(sessionIds)) {
        listed += count(sql, `SELECT count(*) AS n FROM sessions WHERE id = ?2 AND ${LISTED}`, now, id)
        sql.exec('DELETE FROM sessions WHERE id = ?', id)
      }
      return listed
    })
  }

  /** The listed sessions that are not expired, in sign-in order (oldest first). */
  list(now: number): RecordedSessionRow[] {
    checkTimes(now)
    if (!this.#tables()) return []
    const rows = this.ctx.storage.sql.exec<SessionRow>(`SELECT id, created_at, expires_at, last_seen_at, label FROM sessions WHERE ${LISTED} ORDER BY ord`, now).toArray()
    return rows.map((row) => ({
      sessionId: row.id,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      ...(row.last_seen_at === null ? {} : { lastSeenAt: row.last_seen_at }),
      ...(row.label === null ? {} : { label: row.label }),
    }))
  }

  /** Cleanup, at the latest moment anything this object holds can matter: by then nothing does. */
  override async alarm(): Promise<void> {
    if (this.#tables()) await this.#write(Math.floor(Date.now() / 1000), undefined, () => undefined)
  }

  /**
   * One write: refused (changing nothing) after its deadline; then, in one transaction,
   * what has expired goes and `body` runs; then the alarm follows what is left, or the
   * storage goes when nothing is.
   */
  async #write<R>(now: number, deadline: number | undefined, body: (sql: SqlStorage) => R): Promise<R> {
    // Wall clock, as the caller's deadline: a late write (a slow object, a re-sent call) must not land.
    if (deadline !== undefined && Date.now() > deadline) throw new Error(LATE_WRITE)
    this.#createSchema()
    const sql = this.ctx.storage.sql
    const result = this.ctx.storage.transactionSync(() => {
      sql.exec('DELETE FROM revoked_sessions WHERE expires_at <= ?', now)
      sql.exec('DELETE FROM not_before WHERE e <= ?', now)
      sql.exec('DELETE FROM sessions WHERE expires_at <= ?1 OR pending_until <= ?1', now)
      return body(sql)
    })
    // A pending sign-in matters until its confirmation is due, no longer.
    const { latest } = sql
      .exec<{ latest: number | null }>(
        `SELECT max(t) AS latest FROM (SELECT max(expires_at) AS t FROM revoked_sessions UNION ALL SELECT e FROM not_before
           UNION ALL SELECT max(CASE WHEN pending_until IS NULL THEN expires_at ELSE min(expires_at, pending_until) END) FROM sessions)`,
      )
      .one()
    if (latest === null) {
      // Nothing left: free the object's storage entirely (tables, alarm and the metadata
      // Cloudflare bills). The flags go first: a call that runs while these are pending
      // must create the tables again.
      this.#schema = false
      this.#ready = false
      await this.ctx.storage.deleteAlarm()
      await this.ctx.storage.deleteAll()
    } else if ((await this.ctx.storage.getAlarm()) !== latest * 1000) {
      await this.ctx.storage.setAlarm(latest * 1000)
    }
    return result
  }

  /** Whether the object holds tables; if so, migrated to this version's SCHEMA. Never creates storage. */
  #tables(): boolean {
    if (!this.#schema) {
      this.#schema = this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'revoked_sessions'").toArray().length > 0
    }
    if (this.#schema) this.#createSchema()
    return this.#schema
  }

  #createSchema(): void {
    if (!this.#ready) this.ctx.storage.sql.exec(SCHEMA)
    this.#schema = this.#ready = true
  }
}

/** What a directory write may carry: the `maxSessions` limit and the caller's deadline (wall-clock ms). */
interface DirectoryWrite {
  readonly limit?: number | undefined
  readonly deadline?: number | undefined
}

function raiseNotBefore(sql: SqlStorage, notBefore: number, until: number): void {
  sql.exec(
    `INSERT INTO not_before (one, n, e) VALUES (1, ?, ?)
     ON CONFLICT (one) DO UPDATE SET n = max(n, excluded.n), e = max(e, excluded.e)`,
    notBefore,
    until,
  )
}

function count(sql: SqlStorage, query: string, ...bindings: SqlStorageValue[]): number {
  return sql.exec<{ n: number }>(query, ...bindings).one().n
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function checkWrite(options: DirectoryWrite): void {
  check(isObject(options), 'options')
  check(options.limit === undefined || (Number.isSafeInteger(options.limit) && options.limit >= 1), 'limit')
  check(options.deadline === undefined || Number.isFinite(options.deadline), 'deadline')
}

function check(ok: boolean, name: string): void {
  if (!ok) throw new TypeError(`SessionRevocations: invalid ${name}`)
}

function checkTimes(...times: number[]): void {
  for (const time of times) check(Number.isSafeInteger(time), 'time')
}
