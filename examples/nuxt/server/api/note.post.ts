import { useSealedSession } from 'sealed-session/h3'

// A note kept in the session: one too long for the cookie gets h3's 500 "Session too large".
export default defineEventHandler(async (event) => {
  const { note } = await readBody<{ note?: string }>(event)
  useSealedSession(event).set('note', String(note ?? ''))
  return { saved: true }
})
