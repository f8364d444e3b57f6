// Runs client.mjs on Bun and on Deno (both from node_modules/.bin) against a redis-server.
import { spawn } from 'node:child_process'

const root = decodeURIComponent(new URL('../../', import.meta.url).pathname)
const client = `${root}test/redis/client.mjs`
const commands = {
  bun: [`${root}node_modules/.bin/bun`, [client]],
  // Offline: node-redis resolves from node_modules; no lockfile, no update check.
  deno: [`${root}node_modules/.bin/deno`, ['run', '--node-modules-dir=manual', '--no-lock', '--allow-net=127.0.0.1', '--allow-read', '--allow-env', '--sloppy-imports', client]],
}

/** Resolves with the exit code and output; kills the child by PID after `timeoutMs`. */
export function runClient(runtime, url, timeoutMs = 30_000) {
  const [command, args] = commands[runtime]
  return new Promise((resolve) => {
    const child = spawn(command, [...args, url], { cwd: root, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1', NO_COLOR: '1' } })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({ code: -1, stdout, stderr: String(error) })
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}
