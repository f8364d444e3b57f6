export { freePort, haveRedisServer, startRedisServer } from './server.mjs'
export function removeWorkDir(): void
export function importDocumented(firstLine: string, url: string, copy?: string): Promise<Record<string, unknown>>
export function startServer(port: number, options?: { cluster?: boolean; fresh?: boolean }): Promise<{ pid: number; stop(): Promise<void> }>
export function bunDocumented(
  firstLine: string,
  url: string,
): { ready(): Promise<unknown>; call(name: 'revoke' | 'check'): Promise<unknown>; end(): Promise<number | null>; kill(): void }
export function startThreeMasters(ports: readonly number[], options: { fullCoverage: boolean; nodeTimeoutMs?: number }): Promise<Array<{ pid: number; stop(): Promise<void> }>>
export function admin(port: number, ...command: string[]): Promise<unknown>
