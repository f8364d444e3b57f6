import type { Session } from 'sealed-session'
import type { Data } from '$lib/session'

declare global {
  namespace App {
    interface Locals {
      session: Session<Data>
    }
  }
}

export {}
