/**
 * One suite for every session data store (`overflow`), on each store's real backend
 * (memory; Workers KV on Miniflare; a real redis-server; Durable Objects; Deno KV). The
 * store is driven through createSessions() and a cookie jar, as a browser would.
 */
import { describe, expect, it } from 'vitest'
import { createSessions, OverflowConflictError, type SessionDataStore, type SessionEvent, type StoredWrite } from 'sealed-session'
import { Hono } from 'hono'
import { session } from 'sealed-session/hono'
import { Clock, CookieJar, cookieHeader, SECRET_A } from '../support/index.js'

export interface DataBackend {
  readonly store: SessionDataStore
  /** When the backend itself will drop the copy under `id` (Unix seconds on the test clock); undefined: it holds none. */
  readonly expiresAt?: (id: string) => Promise<number | undefined>
}

export interface DataConformanceOptions {
  /** Where the test clock starts, in ms (backends with a real clock for expiry need real time). */
  readonly start?: () => number
}

/** 64 KiB of data that no cookie could carry (4 × 4096 bytes at most). */
export function bigData(seed = 'a'): { profile: string; items: string[] } {
  const items = Array.from({ length: 512 }, (_, i) => `${seed}-item-${i}-`.padEnd(112, String.fromCharCode(97 + (i % 26))))
  return { profile: seed.repeat(8 * 1024), items }
}

export function overflowConformance(name: string, backend: (clock: Clock) => DataBackend | Promise<DataBackend>, options: DataConformanceOptions = {}): void {
  const setup = async () => {
    const clock = new Clock(options.start?.())
    const b = await backend(clock)
    const writes: StoredWrite[] = []
    const store: SessionDataStore = {
      get: (id) => b.store.get(id),
      put: (id, stored, write) => {
        writes.push(write)
        return b.store.put(id, stored, write)
      },
      delete: (id, o) => b.store.delete(id, o),
    }
    const events: SessionEvent[] = []
    const sessions = createSessions({ secrets: SECRET_A, clock: { now: clock.now }, onEvent: (e) => events.push(e), overflow: { store } })
    return { clock, sessions, events, writes, b }
  }

  describe(`${name} as the overflow store`, () => {
    it('carries a 64 KB session through a real request cycle with a cookie under 4 KB', async () => {
      const { sessions, b } = await setup()
      const data = bigData()
      expect(JSON.stringify(data).length).toBeGreaterThan(64 * 1024)
      const first = await sessions.load(null)
      first.set('profile', data.profile)
      first.set('items', data.items)
      const commit = await sessions.commit(first)
      expect(commit.setCookie).toHaveLength(1)
      expect(new TextEncoder().encode(commit.setCookie[0]!.split(';')[0]!).length).toBeLessThan(4096)
      let cookie = cookieHeader(commit)
      expect((await b.store.get(first.id))?.version).toBe(1)
      // The store sees a sealed blob only: no plaintext of the data.
      expect((await b.store.get(first.id))?.blob).not.toContain('item-1')

      const second = await sessions.load(cookie)
      expect(second.isNew).toBe(false)
      expect(second.data).toEqual(data)
      second.set('items', [...data.items, 'one more'])
      cookie = cookieHeader(await sessions.commit(second), cookie)
      expect((await b.store.get(second.id))?.version).toBe(2)

      const third = await sessions.load(cookie)
      expect(third.get('items')).toHaveLength(513)
      third.destroy()
      cookie = cookieHeader(await sessions.commit(third), cookie)
      expect(cookie).toBe('')
      expect(await b.store.get(first.id)).toBeUndefined()
    })

    it('carries a 64 KB session through a Hono app (app.request) with a cookie under 4 KB', async () => {
      const { clock, b } = await setup()
      const app = new Hono()
        .use(session<{ items: string[] }>({ secrets: SECRET_A, clock: { now: clock.now }, overflow: { store: b.store } }))
        .post('/fill', (c) => {
          c.get('session').set('items', bigData().items)
          return c.text('ok')
        })
        .get('/count', (c) => c.text(String(c.get('session').get('items')?.length ?? 0)))
        .post('/logout', async (c) => {
          await c.get('session').logout()
          return c.text('ok')
        })
      const jar = new CookieJar()
      const filled = await app.request('/fill', { method: 'POST' })
      jar.update(filled)
      expect(new TextEncoder().encode(jar.header()).length).toBeLessThan(4096)
      expect(await (await app.request('/count', { headers: { cookie: jar.header() } })).text()).toBe('512')
      const copy = jar.header()
      jar.update(await app.request('/logout', { method: 'POST', headers: { cookie: jar.header() } }))
      expect(jar.header()).toBe('')
      expect(await (await app.request('/count', { headers: { cookie: copy } })).text()).toBe('0')
    })

    it('keeps a session under the budget fully in the cookie, and takes it back from the store when it shrinks', async () => {
      const { sessions, b } = await setup()
      const small = await sessions.load(null)
      small.set('cart', ['apple'])
      let cookie = cookieHeader(await sessions.commit(small))
      expect(await b.store.get(small.id)).toBeUndefined()
      const grown = await sessions.load(cookie)
      grown.set('profile', bigData().profile)
      cookie = cookieHeader(await sessions.commit(grown), cookie)
      expect(await b.store.get(grown.id)).toBeDefined()
      const shrunk = await sessions.load(cookie)
      shrunk.delete('profile')
      cookie = cookieHeader(await sessions.commit(shrunk), cookie)
      expect(await b.store.get(grown.id)).toBeUndefined()
      expect((await sessions.load(cookie)).data).toEqual({ cart: ['apple'] })
    })

    it('refuses the slower of two requests committing from the same version, leaving the store as the faster one wrote it', async () => {
      const { sessions, b, events } = await setup()
      const start = await sessions.load(null)
      start.set('profile', bigData('s').profile)
      const cookie = cookieHeader(await sessions.commit(start))
      const fast = await sessions.load(cookie)
      const slow = await sessions.load(cookie)
      fast.set('winner', 'fast')
      slow.set('winner', 'slow')
      const fastCookie = cookieHeader(await sessions.commit(fast), cookie)
      const stored = await b.store.get(start.id)
      await expect(sessions.commit(slow)).rejects.toBeInstanceOf(OverflowConflictError)
      expect(events.some((e) => e.type === 'overflow-conflict')).toBe(true)
      expect(await b.store.get(start.id)).toEqual(stored)
      expect((await sessions.load(fastCookie)).get('winner')).toBe('fast')
    })

    it('gives a stale copy of the cookie no data written after it, signs it out for that request only and keeps the cookie', async () => {
      const { sessions, events } = await setup()
      const start = await sessions.load(null)
      start.set('profile', bigData('s').profile)
      const stale = cookieHeader(await sessions.commit(start))
      const next = await sessions.load(stale)
      next.set('secret', 'written later')
      const current = cookieHeader(await sessions.commit(next), stale)
      const old = await sessions.load(stale)
      expect(old.isNew).toBe(true)
      expect(old.data).toEqual({})
      expect(events.some((e) => e.type === 'overflow-stale')).toBe(true)
      old.set('anything', 1)
      expect((await sessions.commit(old)).setCookie).toEqual([])
      expect((await sessions.load(current)).get('secret')).toBe('written later')
    })

    it('moves the data to the new id on regenerate() and login(), removing the old one', async () => {
      const { sessions, b } = await setup()
      const start = await sessions.load(null)
      start.set('profile', bigData().profile)
      let cookie = cookieHeader(await sessions.commit(start))
      const oldId = start.id
      const again = await sessions.load(cookie)
      await again.regenerate()
      cookie = cookieHeader(await sessions.commit(again), cookie)
      expect(await b.store.get(oldId)).toBeUndefined()
      expect((await b.store.get(again.id))?.version).toBe(1)
      const signedIn = await sessions.load(cookie)
      expect(signedIn.get('profile')).toBe(bigData().profile)
      await signedIn.login('ada')
      cookie = cookieHeader(await sessions.commit(signedIn), cookie)
      expect(await b.store.get(again.id)).toBeUndefined()
      const loaded = await sessions.load(cookie)
      expect(loaded.subject).toBe('ada')
      expect(loaded.get('profile')).toBe(bigData().profile)
    })

    it("gives the store the session's absolute expiry plus the clock skew as the copy's expiry", async () => {
      const { sessions, writes, clock, b } = await setup()
      const start = await sessions.load(null)
      start.set('profile', bigData().profile)
      await sessions.commit(start)
      const expiry = Math.floor(start.expiresAt.getTime() / 1000) + 30
      expect(writes.map((w) => w.expiresAt)).toEqual([expiry])
      if (b.expiresAt !== undefined) {
        const held = await b.expiresAt(start.id)
        expect(held).toBeGreaterThan(clock.seconds + 7 * 86400 - 5)
        expect(held).toBeLessThanOrEqual(expiry + 1)
      }
    })

    it('puts by compare-and-set on the version and deletes by version', async () => {
      const { b, clock } = await setup()
      const { store } = b
      const id = `conformance-${name}-${clock.ms}`
      const expiresAt = clock.seconds + 3600
      expect(await store.put(id, { version: 1, blob: 'one' }, { expected: 0, expiresAt })).toBe(true)
      expect(await store.put(id, { version: 1, blob: 'other' }, { expected: 0, expiresAt })).toBe(false)
      expect(await store.put(id, { version: 3, blob: 'three' }, { expected: 2, expiresAt })).toBe(false)
      expect(await store.get(id)).toEqual({ version: 1, blob: 'one' })
      expect(await store.put(id, { version: 2, blob: 'two' }, { expected: 1, expiresAt })).toBe(true)
      expect(await store.delete(id, { expected: 1 })).toBe(false)
      expect(await store.get(id)).toEqual({ version: 2, blob: 'two' })
      expect(await store.delete(id, { expected: 2 })).toBe(true)
      expect(await store.get(id)).toBeUndefined()
      expect(await store.put(id, { version: 1, blob: 'again' }, { expected: 0, expiresAt })).toBe(true)
      expect(await store.delete(id)).toBe(true)
      expect(await store.get(id)).toBeUndefined()
    })
  })
}
