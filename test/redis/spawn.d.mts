export const BINARY: string
export interface RedisProcess {
  readonly port: number
  readonly pid: number
  readonly url: string
  stop(): Promise<void>
  output(): string
}
export function startRedis(options?: { port?: number; extra?: string[] }): Promise<RedisProcess>
export function freePort(): Promise<number>
export function tempDir(): Promise<string>
export function removeDir(dir: string): Promise<void>
