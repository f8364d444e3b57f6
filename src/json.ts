/** JSON values: what a session or a sealed value can hold. Anything else does not survive `JSON.stringify`. */
export type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json }
