import { fail, redirect } from '@sveltejs/kit'
import { SessionTooLargeError } from 'sealed-session'
import { saveSession } from 'sealed-session/sveltekit'
import type { Actions, PageServerLoad } from './$types'

export const load: PageServerLoad = ({ locals }) => ({
  name: locals.session.get('name') ?? '',
  expiresAt: locals.session.expiresAt.toISOString(),
  csrf: locals.session.csrfToken(),
})

export const actions: Actions = {
  rename: async ({ request, locals }) => {
    locals.session.set('name', String((await request.formData()).get('name') ?? ''))
    redirect(303, '/')
  },
  notes: async ({ request, locals }) => {
    locals.session.set('notes', String((await request.formData()).get('notes') ?? ''))
    // Seal now, so a session too large for its cookie is an error this action can show.
    try {
      await saveSession(locals.session)
    } catch (error) {
      if (!(error instanceof SessionTooLargeError)) throw error
      return fail(413, { error: `${error.code}: ${error.size} bytes, at most ${error.limit}` })
    }
    redirect(303, '/')
  },
  logout: async ({ locals }) => {
    await locals.session.logout()
    redirect(303, '/login')
  },
}
