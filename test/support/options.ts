import type { BearerOptions, CookieSessionOptions, SessionOptions } from '../../src/index.js'

/** The groups of `SessionOptions` a patch merges into rather than replaces. */
const GROUPS = ['cookie', 'bearer', 'lifetime', 'clock', 'revocation', 'binding'] as const
type Group = (typeof GROUPS)[number]

/** Some options to lay over a harness's defaults: each group given in part. */
export type OptionsPatch = {
  readonly [K in keyof CookieSessionOptions]?: K extends 'bearer' ? BearerOptions : K extends Group ? Partial<NonNullable<CookieSessionOptions[K]>> : CookieSessionOptions[K]
}

/**
 * `base` with `patch` laid over it one group deep: `withOptions({ secrets, clock: { now } },
 * { clock: { skew: 5 } })` keeps `now`. A plain spread would drop the whole group.
 */
export function withOptions(base: SessionOptions, patch: OptionsPatch = {}): SessionOptions {
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(patch)) {
    const before = merged[key]
    merged[key] =
      (GROUPS as readonly string[]).includes(key) && isPlain(before) && isPlain(value) ? { ...before, ...value } : value
  }
  if (patch.bearer !== undefined) delete merged.cookie
  // The object was built key by key from SessionOptions and a patch of its groups; createSessions() checks it whole.
  return merged as unknown as SessionOptions
}

function isPlain(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype
}
