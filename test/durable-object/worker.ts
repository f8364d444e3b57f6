/**
 * The test Worker of the Durable Object store: exports the class (as an application does)
 * and serves a minimal signed-in app over it, checked on every request (`revalidateAfter: 0`),
 * with its session directory (devices, sign out the others, `maxSessions` from a header),
 * and its overflow data store (`/fill/:kb` stores that many KiB in the session, `/size` reads it back).
 * Run by vitest-pool-workers (vitest.config.ts here) and by `wrangler dev` (wrangler-dev.mjs).
 */
import { Hono } from 'hono'
import { session } from 'sealed-session/hono'
import { durableObjectRevocations, durableObjectSessionData, type SessionOverflow, type SessionRevocations } from 'sealed-session/durable-object'

export { SessionOverflow, SessionRevocations } from 'sealed-session/durable-object'

export type Bindings = {
  SESSION_SECRETS: string
  REVOCATION_OBJECTS: DurableObjectNamespace<SessionRevocations>
  DATA_OBJECTS: DurableObjectNamespace<SessionOverflow>
}

export default new Hono<{ Bindings: Bindings }>()
  .use(
    session<{ profile: string }, { Bindings: Bindings }>((c) => ({
      secrets: c.env.SESSION_SECRETS,
      revocation: {
        store: durableObjectRevocations(c.env.REVOCATION_OBJECTS),
        revalidateAfter: 0,
        // A test's own limit, per request (the options are read for each request).
        ...(c.req.header('x-max-sessions') === undefined ? {} : { maxSessions: Number(c.req.header('x-max-sessions')) }),
      },
      // Sessions past the cookie limit keep their data in a SessionOverflow object (/fill).
      overflow: { store: durableObjectSessionData(c.env.DATA_OBJECTS) },
    })),
  )
  .post('/login/:user', async (c) => {
    await c.get('session').login(c.req.param('user'))
    return c.text('ok')
  })
  .post('/logout', async (c) => {
    await c.get('session').logout()
    return c.text('ok')
  })
  .post('/logout-everywhere/:user', async (c) => {
    await c.get('sessions').revokeSubject(c.req.param('user'))
    return c.text('ok')
  })
  .post('/sign-out-others', async (c) => c.text(String(await c.get('sessions').revokeOtherSessions(c.get('session')))))
  .get('/devices', async (c) => c.text(String((await c.get('sessions').listSessions(c.get('session'))).length)))
  .post('/fill/:kb', (c) => {
    c.get('session').set('profile', 'p'.repeat(Number(c.req.param('kb')) * 1024))
    return c.text('ok')
  })
  .get('/size', (c) => c.text(String(c.get('session').get('profile')?.length ?? 0)))
  .get('/', (c) => c.text(c.get('session').subject ?? 'anonymous'))
