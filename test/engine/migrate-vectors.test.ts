import { describe, expect, it } from 'vitest'
import vectors from '../vectors/legacy.json' with { type: 'json' }
import { authJs } from '../../src/migrate/auth-js.js'
import { ironSession } from '../../src/migrate/iron-session.js'
import { reactRouterCookie } from '../../src/migrate/react-router.js'
import { Clock, CookieJar, harness } from '../support/index.js'

const subjectOf = (key: string) => (old: Record<string, unknown>) => ({ subject: String(old[key]), data: {} })

// Cookies sealed by the peers themselves (test/vectors/legacy.mjs), opened by the readers
// here on every runtime of this suite: Node and workerd (Web Crypto only).
describe('migrate readers on this runtime (test/vectors/legacy.json)', () => {
  const readers = {
    iron: ironSession({ cookieName: vectors.iron.cookieName, password: vectors.iron.password, map: subjectOf('userId') }),
    auth: authJs({ cookieName: vectors.auth.cookieName, secret: vectors.auth.secret, map: subjectOf('sub') }),
    router: reactRouterCookie({ name: vectors.router.name, secrets: vectors.router.secrets, map: subjectOf('userId') }),
  }
  for (const key of ['iron', 'auth', 'router'] as const) {
    it(`opens the ${key} vector, seals ours and expires it`, async () => {
      const { sessions } = harness({ clock: { now: new Clock(vectors.sealedAt + 3600_000).now }, migrate: [readers[key]] })
      const vector = vectors[key]
      const session = await sessions.load(new Request('https://app.test/', { headers: { cookie: vector.cookie } }))
      expect(session.subject).toBe(vector.subject)
      const jar = CookieJar.from(vector.cookie).update(await sessions.commit(session))
      expect(jar.header()).toMatch(/^__Host-session=[\w-]+$/)
    })
  }
})
