import { describe, expect, it } from 'vitest'
import { ConfigurationError, type SessionOptions } from 'sealed-session'
import { adapterConfig, csrfRefusal, engineFor, lowerSameSite } from '../../src/engine/kit.js'
import { SECRET_A } from '../support/index.js'

/** Options as a plain-JavaScript caller may pass them. */
function untyped(options: Record<string, unknown>): SessionOptions {
  return options as unknown as SessionOptions
}

describe('the adapter kit (issue 20: one copy for five adapters)', () => {
  it('options as an object are checked when the adapter is built, and make one engine', () => {
    expect(() => engineFor(untyped({ secrets: SECRET_A, maxAgee: 60 }))).toThrow(/did you mean `maxAge`/)
    const engineOf = engineFor<Record<string, never>, string>({ secrets: SECRET_A })
    expect(engineOf('a')).toBe(engineOf('b'))
  })

  it('options as a function are checked when it is first called, with its context', () => {
    const seen: string[] = []
    const engineOf = engineFor<Record<string, never>, string>((context) => {
      seen.push(context)
      return context === 'bad' ? untyped({ secrets: SECRET_A, cookie: { maxAge: 60 } }) : { secrets: SECRET_A }
    })
    expect(seen).toEqual([])
    expect(engineOf('good').cookieName).toBe('__Host-session')
    expect(() => engineOf('bad')).toThrow(/`cookie\.maxAge` is not a cookie option: lifetimes are `lifetime: \{ maxAge, idleTimeout \}`/)
    expect(seen).toEqual(['good', 'bad'])
  })

  it("refuses an adapter setting it does not know, and CSRF options it does not know", () => {
    expect(() => adapterConfig('session()', { csrff: true } as never)).toThrow(ConfigurationError)
    expect(() => adapterConfig('session()', { csrff: true } as never)).toThrow('`csrff` is not a setting of session() (the session options are its first argument); did you mean `csrf`?')
    expect(() => adapterConfig('session()', { csrf: { heder: 'x-token' } } as never)).toThrow(/`csrf\.heder` is not a CSRF option; did you mean `csrf\.header`\?/)
    expect(() => adapterConfig('session()', { csrf: { field: '' } })).toThrow(/csrf\.field must be a non-empty string/)
    expect(adapterConfig('session()', undefined).checkCsrf).toBeUndefined()
    expect(adapterConfig('session()', { csrf: true }).checkCsrf).toBeTypeOf('function')
  })

  it('answers a CSRF refusal with 403, never cached, as JSON when JSON was asked for', async () => {
    const json = csrfRefusal(new Request('https://example.com/', { method: 'POST', headers: { accept: 'application/json' } }))
    expect([json.status, json.headers.get('cache-control'), await json.json()]).toEqual([403, 'no-store', { message: 'Invalid or missing CSRF token' }])
    const text = csrfRefusal(new Request('https://example.com/', { method: 'POST' }))
    expect([text.status, text.headers.get('content-type'), await text.text()]).toEqual([403, 'text/plain; charset=utf-8', 'Invalid or missing CSRF token'])
    expect(lowerSameSite('Strict')).toBe('strict')
  })
})
