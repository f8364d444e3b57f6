// Type-level tests of sealed-session/elysia, checked by `npm run typecheck` (never run):
// the session data type flows from sealedSession<Data>() through Elysia's inference into
// every handler, sub-app and hook, with no cast in user code.
import { Elysia } from 'elysia'
import { sealedSession, type SessionPlugin } from 'sealed-session/elysia'
import type { Session, SessionEngine } from 'sealed-session'

type Data = { cart: string[]; visits: number }
const secrets = 'a-test-secret-of-at-least-32-characters-0123456789'

const plugin: SessionPlugin<Data> = sealedSession<Data>({ secrets })
export const app = new Elysia()
  .use(plugin)
  .get('/', ({ session, sessions }) => {
    const typed: Session<Data> = session
    const engine: SessionEngine<Data> = sessions
    const cart: string[] | undefined = session.get('cart')
    // @ts-expect-error a number is not the cart's type
    session.set('cart', 5)
    // @ts-expect-error not a key of Data
    session.get('nope')
    return { cart, typed: typed.id, engine: typeof engine.commit }
  })
  .onAfterHandle(({ session }) => {
    session.touch()
  })

// A sub-app used after the plugin sees the session too (a global derive).
export const nested = new Elysia().use(sealedSession<Data>({ secrets })).group('/api', (api) => api.get('/visits', ({ session }) => session.get('visits') ?? 0))

// Options as a function of the Request; an unknown adapter setting is refused by type.
sealedSession<Data>((request) => ({ secrets, cookie: { name: request.headers.has('x-beta') ? '__Host-beta' : '__Host-session' } }))
// @ts-expect-error `csrf` is the only setting
sealedSession<Data>({ secrets }, { csfr: true })
