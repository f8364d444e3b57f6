import { sealedSession } from 'sealed-session/h3'

// Loads the session of every request; csrf: unsafe methods need session.csrfToken().
// Options as a function: the secret is read at run time, so `nuxt build` needs none.
export default sealedSession((event) => ({ secrets: useRuntimeConfig(event).sessionSecrets }), { csrf: true })
