// Nuxt 4 runs its server on h3 1.15 (Nitro 2): sealed-session/h3 is written for it.
export default defineNuxtConfig({
  compatibilityDate: '2026-12-01',
  devtools: { enabled: false },
  // Read when the server runs (NUXT_SESSION_SECRETS), never baked into the build.
  runtimeConfig: { sessionSecrets: '' },
})
