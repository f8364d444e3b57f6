// A static page: it reads no session, so `next build` prerenders it and Next.js serves it
// with a long shared-cache lifetime (s-maxage). Sign-out redirects here; the proxy makes the
// responses that carry our Set-Cookie `no-store` all the same (see lib/guard.js).
export default function SignedOut() {
  return (
    <>
      <h1 id="signed-out">Signed out</h1>
      <p>
        <a href="/login">Sign in again</a>
      </p>
    </>
  )
}
