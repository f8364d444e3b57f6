import { error, fail, redirect } from '@sveltejs/kit'
import type { Actions, PageServerLoad } from './$types'

export const load: PageServerLoad = ({ locals }) => ({ csrf: locals.session.csrfToken() })

export const actions: Actions = {
  default: async ({ request, locals }) => {
    let form: FormData
    try {
      form = await request.formData()
    } catch {
      error(400, 'The form could not be read') // the client's mistake: a 400, not a 500
    }
    const name = String(form.get('name') ?? '').trim()
    if (name === '') return fail(400, { error: 'Enter your name' })
    // A new session id on sign-in (no fixation); the cookie goes out with the 303.
    await locals.session.login(name)
    locals.session.set('name', name)
    redirect(303, '/')
  },
}
