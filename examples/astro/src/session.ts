import { SessionTooLargeError } from 'sealed-session'

/** What this app keeps in its session. */
export type Data = { name: string; notes?: string }

/** How a page shows a session too large for its cookie (the message names no secret). */
export function describeTooLarge(error: unknown): string | undefined {
  if (!(error instanceof SessionTooLargeError)) return undefined
  return `${error.code}: ${error.size} bytes, at most ${error.limit}`
}
