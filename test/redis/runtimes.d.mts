export function runClient(runtime: 'bun' | 'deno', url: string, timeoutMs?: number): Promise<{ code: number | null; stdout: string; stderr: string }>
