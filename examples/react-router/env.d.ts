// The one Node.js global the app reads (no @types/node here): the server's environment.
declare var process: { env: Record<string, string | undefined> }
