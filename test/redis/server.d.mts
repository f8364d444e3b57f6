export default function setup(project: unknown): Promise<(() => Promise<void>) | undefined>
export function haveRedisServer(): boolean
export function startRedisServer(port: number, extraArgs?: readonly string[]): Promise<{ pid: number; stop(): Promise<void> }>
export function freePort(): Promise<number>
