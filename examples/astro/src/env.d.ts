// src/env.d.ts: `Astro.locals.session` and `context.locals.session`, typed.
import type { SessionLocals } from 'sealed-session/astro'
import type { Data } from './session'

declare global {
  namespace App {
    interface Locals extends SessionLocals<Data> {}
  }
}
