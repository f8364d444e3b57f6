/// <reference types="@cloudflare/workers-types" />
// As in durable-object-class.ts: the reference types `cloudflare:workers` for this file's
// compilation only; the published declarations resolve it with the app's Workers types.
import { DurableObject } from 'cloudflare:workers'
import { MAX_STORED_CHARS, type StoredSession } from '../session/overflow.js'
import { LATE_WRITE } from './durable-object.js'

const SCHEMA = 'CREATE TABLE IF NOT EXISTS copy (one INTEGER PRIMARY KEY CHECK (one = 1), v INTEGER NOT NULL, b TEXT NOT NULL, e INTEGER NOT NULL)'

/**
 * The Durable Object class behind `durableObjectSessionData()`: one object per session id,
 * holding that session's one stored copy (`overflow`: the version and the sealed blob) in
 * its SQLite storage. Each call checks and writes synchronously, before its first await,
 * so racing writes from one version are decided one at a time (compare-and-set). A write
 * after its deadline (wall-clock ms) changes nothing and throws. An alarm at the copy's
 * expiry deletes the object's storage, as does `delete()`. Export it from your Worker's
 * entry module and bind it with a `new_sqlite_classes` migration.
 *
 * @example
 * ```ts
 * // src/index.ts, the Worker's entry module
 * export { SessionOverflow } from 'sealed-session/durable-object'
 * ```
 */
export class SessionOverflow extends DurableObject<unknown> {
  /** Whether this instance knows its table exists (created by a write, dropped with the storage). */
  #table = false

  /** The stored copy, unless none or expired (on the object's clock). */
  get(): StoredSession | undefined {
    if (!this.#exists()) return undefined
    const row = this.ctx.storage.sql.exec<{ v: number; b: string; e: number }>('SELECT v, b, e FROM copy').toArray()[0]
    if (row === undefined || row.e <= Date.now()) return undefined
    return { version: row.v, blob: row.b }
  }

  /** Stores `stored` if the copy here has version `expected` (0: none), for `ttl` seconds; false otherwise, changing nothing. */
  async put(stored: StoredSession, expected: number, ttl: number, deadline?: number): Promise<boolean> {
    if (deadline !== undefined && Date.now() > deadline) throw new Error(LATE_WRITE)
    check(typeof stored === 'object' && stored !== null && Number.isSafeInteger(stored.version) && stored.version >= 1, 'version')
    check(typeof stored.blob === 'string' && stored.blob.length <= MAX_STORED_CHARS, 'blob')
    check(Number.isSafeInteger(expected) && expected >= 0 && Number.isSafeInteger(ttl) && ttl >= 1, 'expected or ttl')
    // Checked and written with no await in between: no other call runs in the gap.
    if ((this.get()?.version ?? 0) !== expected) return false
    const sql = this.ctx.storage.sql
    sql.exec(SCHEMA)
    this.#table = true
    const expiresAt = Date.now() + ttl * 1000
    sql.exec('INSERT INTO copy (one, v, b, e) VALUES (1, ?1, ?2, ?3) ON CONFLICT (one) DO UPDATE SET v = ?1, b = ?2, e = ?3', stored.version, stored.blob, expiresAt)
    await this.ctx.storage.setAlarm(expiresAt)
    return true
  }

  /** Removes the copy (with `expected`, only that version: false when another is here). */
  async delete(expected?: number): Promise<boolean> {
    check(expected === undefined || Number.isSafeInteger(expected), 'expected')
    const found = this.get()
    if (found !== undefined && expected !== undefined && found.version !== expected) return false
    await this.#drop()
    return true
  }

  /** The copy's expiry: the storage goes. */
  override async alarm(): Promise<void> {
    await this.#drop()
  }

  async #drop(): Promise<void> {
    this.#table = false
    await this.ctx.storage.deleteAlarm()
    await this.ctx.storage.deleteAll()
  }

  #exists(): boolean {
    if (!this.#table) this.#table = this.ctx.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'copy'").toArray().length > 0
    return this.#table
  }
}

function check(ok: boolean, name: string): void {
  if (!ok) throw new TypeError(`SessionOverflow: invalid ${name}`)
}
