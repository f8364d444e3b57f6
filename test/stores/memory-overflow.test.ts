import { memorySessionData } from 'sealed-session/memory'
import { overflowConformance } from './overflow-conformance.js'

overflowConformance('memory', (clock) => {
  const store = memorySessionData({ now: clock.now })
  return { store }
})
