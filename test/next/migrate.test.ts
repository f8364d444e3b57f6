import { encode } from '@auth/core/jwt'
import { sealData } from 'iron-session'
import { NextRequest, type NextFetchEvent } from 'next/server.js'
import { describe, expect, it } from 'vitest'
import { authJs } from '../../src/migrate/auth-js.js'
import { ironSession } from '../../src/migrate/iron-session.js'
import { nextSessions } from '../../src/next/index.js'
import { SECRET_A } from '../support/index.js'

const IRON_PASSWORD = 'iron-password-one-0123456789abcdefghij'
const AUTH_SECRET = 'auth-js-secret-new-0123456789abcdefghijkl'
const AUTH_COOKIE = '__Secure-authjs.session-token'

// The guides' setup (docs/migrate/): the proxy migrates, the route sees only our cookie.
const sessions = nextSessions<{ theme: string; email: string }>({
  secrets: SECRET_A,
  migrate: [
    ironSession({ cookieName: 'app_session', password: IRON_PASSWORD, map: (old) => ({ subject: String(old.userId), data: { theme: typeof old.theme === 'string' ? old.theme : undefined } }) }),
    authJs({ cookieName: AUTH_COOKIE, secret: AUTH_SECRET, map: (jwt) => ({ subject: String(jwt.sub), data: { email: typeof jwt.email === 'string' ? jwt.email : undefined } }) }),
  ],
})
const proxy = sessions.proxy()
const event = { waitUntil: () => {} } as unknown as NextFetchEvent

function forwardedCookie(response: Response): string | null {
  return response.headers.get('x-middleware-request-cookie')
}

describe('nextSessions().proxy() with migrate (issue 24)', () => {
  for (const [peer, cookie, subject] of [
    ['iron-session', async () => `app_session=${await sealData({ userId: 42, theme: 'dark' }, { password: IRON_PASSWORD })}`, '42'],
    ['Auth.js', async () => `${AUTH_COOKIE}=${await encode({ token: { sub: 'user-1', email: 'a@example.test' }, secret: AUTH_SECRET, salt: AUTH_COOKIE })}`, 'user-1'],
  ] as const) {
    it(`migrates a ${peer} cookie in the proxy: ours set, theirs expired, the route sees only ours`, async () => {
      const sent = await cookie()
      const response = await proxy(new NextRequest('https://example.com/dashboard', { headers: { cookie: `a=1; ${sent}` } }), event)
      const lines = response.headers.getSetCookie()
      expect(lines.map((line) => line.split(';')[0]!.split('=')[0])).toEqual(['__Host-session', sent.split('=')[0]])
      expect(lines[1]).toMatch(/=; Max-Age=0; Path=\//)
      const route = forwardedCookie(response)!
      expect(route).toMatch(/^a=1; __Host-session=[\w-]+$/)
      const seen = await sessions.engine.load(route)
      expect(seen.subject).toBe(subject)
    })
  }
})
