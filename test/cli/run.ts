import { spawn } from 'node:child_process'
import process from 'node:process'

/** The published command: bin/sealed-session.mjs over the built dist/ (npm test builds first). */
const BIN = decodeURIComponent(new URL('../../bin/sealed-session.mjs', import.meta.url).pathname)
/** The Node that runs it: this one, or another to check, e.g. SEALED_SESSION_TEST_NODE=/usr/bin/node for Node 20. */
const NODE = process.env['SEALED_SESSION_TEST_NODE'] ?? process.execPath

export interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs the real binary in a child Node process with only `env` in its environment. */
export function cli(args: readonly string[], options: { env?: Record<string, string>; input?: string } = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, [BIN, ...args], { env: { ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0 && stderr.includes('ERR_MODULE_NOT_FOUND') && stderr.includes('dist')) {
        reject(new Error(`bin/sealed-session.mjs needs the built package: run \`npm run build\` first\n${stderr}`))
      } else {
        resolve({ code, stdout, stderr })
      }
    })
    // The CLI stops reading standard input past its limit: a write it never reads is not an error here.
    child.stdin.on('error', () => {})
    child.stdin.end(options.input ?? '')
  })
}
