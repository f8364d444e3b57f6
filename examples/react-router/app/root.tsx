import type { ReactNode } from 'react'
import { isRouteErrorResponse, Links, Meta, Outlet, Scripts, ScrollRestoration, useRouteError } from 'react-router'
import { sessionStorage } from './sessions.server'

// Puts the session in the router context (see routes/me.ts) and adds Cache-Control: no-store
// to every response that sets the session cookie, also those from commitSession().
export const middleware = [sessionStorage.middleware]

export function Layout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <title>sealed-session with React Router</title>
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  )
}

export default function App() {
  return <Outlet />
}

export function ErrorBoundary() {
  const error = useRouteError()
  return <p id="error">{isRouteErrorResponse(error) ? `${error.status} ${error.statusText}` : 'Something went wrong'}</p>
}
