import adapter from '@sveltejs/adapter-node'

/** @type {import('@sveltejs/kit').Config} */
export default {
  kit: {
    adapter: adapter(),
    // SvelteKit's own CSRF defense, on by default: in a production build, a form post whose
    // Origin is not this site's gets 403 before the handle hook runs. List here any other
    // origin allowed to post forms to the app (shown empty, the default).
    csrf: { trustedOrigins: [] },
  },
}
