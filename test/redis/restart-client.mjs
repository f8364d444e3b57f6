// A docs/REVOCATION.md client block run on Bun, driven line by line over stdin by
// restart.test.ts (which owns the redis-server and stops/starts it): `revoke` and
// `check` call the store and print one JSON line, `{ ok, value }` or `{ ok: false, error }`.
import { createInterface } from 'node:readline'

const { revocations } = await import(process.argv[2])
const now = () => Math.floor(Date.now() / 1000)
const calls = {
  revoke: () => revocations.revoke({ sessionId: 's1', subject: 'ada', expiresAt: now() + 60 }),
  check: () => revocations.isRevoked({ sessionId: 's1', subject: 'ada', createdAt: now() }),
}
console.log(JSON.stringify({ ready: true }))
for await (const line of createInterface({ input: process.stdin })) {
  const call = calls[line.trim()]
  if (call === undefined) break
  try {
    console.log(JSON.stringify({ ok: true, value: (await call()) ?? null }))
  } catch (error) {
    console.log(JSON.stringify({ ok: false, error: String(error?.message ?? error) }))
  }
}
process.exit(0)
