export const metadata = { title: 'sealed-session · Next.js example' }

export default function RootLayout({ children }) {
  return (
    <html lang="en">
      <body style={{ fontFamily: 'system-ui, sans-serif', maxWidth: '40rem', margin: '2rem auto', lineHeight: 1.5 }}>
        <nav>
          <a href="/">Home</a> · <a href="/dashboard">Dashboard</a>
        </nav>
        <main>{children}</main>
      </body>
    </html>
  )
}
