/** What this app keeps in its session. */
export type Data = { name: string; notes: string; theme: string }
