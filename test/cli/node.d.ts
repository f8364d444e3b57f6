// The part of Node these tests use. The project has no @types/node, so that nothing in
// src/ can lean on Node by accident; test/worker/cloudflare-workers.d.ts does the same.
declare module 'node:child_process' {
  interface CliTestStream {
    setEncoding(encoding: 'utf8'): void
    on(event: 'data', listener: (chunk: string) => void): void
  }
  interface CliTestChild {
    readonly stdin: { end(data?: string): void; on(event: 'error', listener: (error: Error) => void): void }
    readonly stdout: CliTestStream
    readonly stderr: CliTestStream
    on(event: 'error', listener: (error: Error) => void): void
    on(event: 'close', listener: (code: number | null) => void): void
  }
  export function spawn(
    command: string,
    args: readonly string[],
    options: { env: Record<string, string | undefined>; stdio: ['pipe', 'pipe', 'pipe'] },
  ): CliTestChild
}

declare module 'node:process' {
  const process: { readonly execPath: string; readonly env: Readonly<Record<string, string | undefined>> }
  export default process
}
