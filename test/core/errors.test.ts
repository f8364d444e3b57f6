import { describe, expect, it } from 'vitest'
import { ConfigurationError, RevocationUnavailableError, SessionError, SessionLimitError, SessionTooLargeError } from 'sealed-session'

describe('error classes', () => {
  it('carry a stable code on the class and on each instance, and support cause', () => {
    const cause = new Error('store down')
    const errors = [
      [new SessionError('x', { cause }), SessionError, 'ERR_SESSION'],
      [new ConfigurationError('x', { cause }), ConfigurationError, 'ERR_SESSION_CONFIGURATION'],
      [new SessionTooLargeError('s', 5000, 4096, 'hint'), SessionTooLargeError, 'ERR_SESSION_TOO_LARGE'],
      [new RevocationUnavailableError('x', { cause }), RevocationUnavailableError, 'ERR_SESSION_REVOCATION_UNAVAILABLE'],
      [new SessionLimitError(5), SessionLimitError, 'ERR_SESSION_LIMIT'],
    ] as const
    for (const [error, type, code] of errors) {
      expect(error.code).toBe(code)
      expect(type.code).toBe(code)
      expect(error).toBeInstanceOf(SessionError)
      expect(error.name).toBe(type.name)
    }
    expect(errors[0][0].cause).toBe(cause)
    expect(errors[3][0].cause).toBe(cause)
    expect(errors[4][0].limit).toBe(5)
  })
})
