import { commitSealedSession } from 'sealed-session/h3'

// Sets the cookie on every response whose session changed, just before it is sent.
export default defineNitroPlugin((nitroApp) => {
  nitroApp.hooks.hook('beforeResponse', commitSealedSession)
})
