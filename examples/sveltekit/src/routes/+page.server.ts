import { error, fail, redirect } from '@sveltejs/kit'
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
    locals.session.set('name', String((await formOf(request)).get('name') ?? ''))
    redirect(303, '/')
  },
  notes: async ({ request, locals }) => {
    locals.session.set('notes', String((await formOf(request)).get('notes') ?? ''))
    // Seal now, so a session too large for its cookie is an error this action can show.
    try {
      await saveSession(locals.session)
    } catch (thrown) {
      if (!(thrown instanceof SessionTooLargeError)) throw thrown
      return fail(413, { error: `${thrown.code}: ${thrown.size} bytes, at most ${thrown.limit}` })
    }
    redirect(303, '/')
  },
  logout: async ({ locals }) => {
    await locals.session.logout()
    redirect(303, '/login')
  },
}

/** The posted form; a body that does not parse as one is the client's mistake: 400, not a 500. */
async function formOf(request: Request): Promise<FormData> {
  try {
    return await request.formData()
  } catch {
    error(400, 'The form could not be read')
  }
}
