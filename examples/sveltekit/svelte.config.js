import adapter from '@sveltejs/adapter-node'

/** @type {import('@sveltejs/kit').Config} */
export default {
  kit: {
    adapter: adapter(),
    // SvelteKit's Origin check on form posts (the default, shown for the reader): a form
    // post whose Origin is not this site's gets 403 before the handle hook runs.
    csrf: { checkOrigin: true },
  },
}
