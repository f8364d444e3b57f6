#!/usr/bin/env node
/**
 * The Durable Object store under `wrangler dev`: the test Worker (worker.ts, which exports
 * SessionRevocations and checks every request) on a free port with fresh local state,
 * driven over HTTP. Sign-out takes effect at the very next request, on every copy of the
 * cookie; racing sign-outs of one user all land; racing sign-ins respect `maxSessions`.
 *
 *   node test/durable-object/wrangler-dev.mjs      (npm run test:do runs it after vitest)
 */
import { join } from 'node:path'
import { startWrangler, tail, tempDir } from '../support/processes.mjs'
import { createSuite, equal, finish } from '../support/runner.mjs'
import { CookieJar } from '../support/jar.mjs'

const RACERS = 20
const log = join(tempDir('sealed-session-do-'), 'wrangler.log')
const server = await startWrangler({ config: 'test/durable-object/wrangler.toml', logFile: log })
const suite = createSuite({ label: '[wrangler dev]', timeoutMs: 60_000 })

/** One browser: its own cookie jar. */
function device() {
  const jar = new CookieJar()
  const send = async (method, path, headers = {}) => {
    const response = await fetch(server.url + path, { method, headers: { ...headers, cookie: jar.header() }, redirect: 'manual' })
    jar.update(response)
    return { status: response.status, text: await response.text() }
  }
  return { jar, send, who: async () => (await send('GET', '/')).text }
}

/** A copy of a device's cookie, as a thief would hold it: it never takes the server's updates. */
function copyOf(d) {
  const header = d.jar.header()
  return async () => (await (await fetch(`${server.url}/`, { headers: { cookie: header } })).text())
}

suite.test('a 64 KB session over HTTP: its data in a SessionOverflow object, a cookie under 4 KB; after logout a copy of the cookie reads nothing', async () => {
  const phone = device()
  await phone.send('POST', '/login/ada')
  await phone.send('POST', '/fill/64')
  const cookie = phone.jar.header()
  equal(new TextEncoder().encode(cookie).length < 4096, true, `cookie of ${new TextEncoder().encode(cookie).length} bytes under 4096`)
  equal((await phone.send('GET', '/size')).text, String(64 * 1024), 'the data read back')
  const stolen = copyOf(phone)
  await phone.send('POST', '/logout')
  equal(await stolen(), 'anonymous', 'a copy of the cookie after logout')
})

suite.test('a signed-out session is refused at its next request, copies included; the user’s other device stays', async () => {
  const phone = device()
  const laptop = device()
  await phone.send('POST', '/login/ada')
  await laptop.send('POST', '/login/ada')
  const stolen = copyOf(phone)
  equal(await stolen(), 'ada', 'the copy before sign-out')
  equal((await phone.send('POST', '/logout')).status, 200, 'logout status')
  equal(await stolen(), 'anonymous', 'the copy, next request')
  equal(await phone.who(), 'anonymous', 'the phone')
  equal(await laptop.who(), 'ada', 'the laptop')
})

suite.test('sign-out everywhere ends every session of the user at once; a later sign-in stands', async () => {
  const devices = [device(), device(), device()]
  for (const d of devices) await d.send('POST', '/login/grace')
  const other = device()
  await other.send('POST', '/login/linus')
  await devices[0].send('POST', '/logout-everywhere/grace')
  for (const [i, d] of devices.entries()) equal(await d.who(), 'anonymous', `device ${i}`)
  equal(await other.who(), 'linus', 'another user')
  const again = device()
  await again.send('POST', '/login/grace')
  equal(await again.who(), 'grace', 'signed in after')
})

suite.test(`${RACERS} sign-outs of one user's sessions at the same moment all land`, async () => {
  const devices = Array.from({ length: RACERS }, device)
  for (const d of devices) await d.send('POST', '/login/hopper')
  const copies = devices.map(copyOf)
  const statuses = await Promise.all(devices.map(async (d) => (await d.send('POST', '/logout')).status))
  equal(statuses.filter((s) => s === 200).length, RACERS, 'logouts answered 200')
  const after = await Promise.all(copies.map((copy) => copy()))
  equal(after.filter((who) => who === 'anonymous').length, RACERS, 'copies refused')
})

suite.test('maxSessions 2: three sign-ins racing leave exactly two; "sign out other devices" leaves one, in one call', async () => {
  const devices = [device(), device(), device()]
  const statuses = await Promise.all(devices.map(async (d) => (await d.send('POST', '/login/turing', { 'x-max-sessions': '2' })).status))
  equal(statuses.join(), '200,200,200', 'sign-ins answered')
  const who = await Promise.all(devices.map((d) => d.who()))
  equal(who.filter((w) => w === 'turing').length, 2, 'signed in after the race')
  const keeper = devices[who.indexOf('turing')]
  equal((await keeper.send('GET', '/devices')).text, '2', 'listed')
  equal((await keeper.send('POST', '/sign-out-others')).text, '1', 'signed out')
  const after = await Promise.all(devices.map((d) => d.who()))
  equal(after.filter((w) => w === 'turing').length, 1, 'signed in after sign-out-others')
  equal((await keeper.send('GET', '/devices')).text, '1', 'listed after')
})

const tally = await suite.run()
if (tally.failed > 0) console.log(`wrangler dev log (last lines):\n${tail(server.log())}`)
await server.stop()
finish(tally)
