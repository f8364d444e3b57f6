import { env, exports } from 'cloudflare:workers'
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test'
import { expect, it } from 'vitest'
import { LateWriteError } from 'sealed-session'
import { durableObjectSessionData } from 'sealed-session/durable-object'
import { objectName } from '../../src/stores/durable-object.js'
import { CookieJar } from '../support/index.js'
import { overflowConformance } from '../stores/overflow-conformance.js'

let stores = 0

// Miniflare's real Durable Objects (SQLite storage), in this isolate. Each store names its
// objects with a prefix of its own; the clock starts now, as the objects' alarms are real.
overflowConformance(
  'Durable Objects (workerd)',
  (clock) => {
    const prefix = `o${++stores}:`
    const namespace = env.DATA_OBJECTS
    return {
      store: durableObjectSessionData(namespace, { prefix, now: clock.now }),
      // The alarm the object holds: it deletes the copy then.
      expiresAt: async (id) => {
        const alarm = await runInDurableObject(namespace.get(namespace.idFromName(objectName(prefix, id))), (_instance, state) => state.storage.getAlarm())
        return alarm === null ? undefined : alarm / 1000
      },
    }
  },
  { start: () => Date.now() },
)

it('deletes the copy when its alarm fires, and refuses a late write', async () => {
  const namespace = env.DATA_OBJECTS
  const store = durableObjectSessionData(namespace, { prefix: 'alarm:' })
  expect(await store.put('id', { version: 1, blob: 'sealed' }, { expected: 0, expiresAt: Math.floor(Date.now() / 1000) + 100 })).toBe(true)
  const stub = namespace.get(namespace.idFromName(objectName('alarm:', 'id')))
  expect(await runDurableObjectAlarm(stub)).toBe(true)
  expect(await store.get('id')).toBeUndefined()
  expect(await runInDurableObject(stub, async (_instance, state) => (await state.storage.list()).size)).toBe(0)
  await expect(store.put('id', { version: 1, blob: 'x' }, { expected: 0, expiresAt: Math.floor(Date.now() / 1000) + 100, deadline: Date.now() - 1 })).rejects.toBeInstanceOf(LateWriteError)
})

it('lets exactly one of many writes racing from the same version win (the object serializes them)', async () => {
  const store = durableObjectSessionData(env.DATA_OBJECTS, { prefix: 'race:' })
  const expiresAt = Math.floor(Date.now() / 1000) + 100
  await store.put('id', { version: 1, blob: 'v1' }, { expected: 0, expiresAt })
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => store.put('id', { version: 2, blob: `w${i}` }, { expected: 1, expiresAt })))
  expect(results.filter(Boolean)).toHaveLength(1)
  expect((await store.get('id'))?.blob).toBe(`w${results.indexOf(true)}`)
})

it('carries a 64 KB session through the Worker with a cookie under 4 KB; after logout a copy of the cookie reads nothing', async () => {
  const worker = exports.default
  const jar = new CookieJar()
  await worker.fetch('http://w/login/ada', { method: 'POST' }).then((r) => jar.update(r))
  const filled = await worker.fetch('http://w/fill/64', { method: 'POST', headers: { cookie: jar.header() } })
  jar.update(filled)
  const line = filled.headers.getSetCookie()[0]!
  expect(new TextEncoder().encode(line.split(';')[0]!).length).toBeLessThan(4096)
  const copy = jar.header()
  expect(await (await worker.fetch('http://w/size', { headers: { cookie: jar.header() } })).text()).toBe(String(64 * 1024))
  expect(await (await worker.fetch('http://w/', { headers: { cookie: jar.header() } })).text()).toBe('ada')
  jar.update(await worker.fetch('http://w/logout', { method: 'POST', headers: { cookie: jar.header() } }))
  expect(await (await worker.fetch('http://w/size', { headers: { cookie: copy } })).text()).toBe('0')
})
