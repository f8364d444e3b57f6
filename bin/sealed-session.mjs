#!/usr/bin/env node
// The `sealed-session` command (docs/CLI.md). Node-only wiring: the CLI itself lives in
// dist/cli and receives Node's parseArgs, environment and streams from here.
import { parseArgs } from 'node:util'
import { main } from '../dist/cli/index.js'

/** Standard input to its end, but never more than maxBytes: the CLI refuses anything larger. */
async function readStdin(maxBytes) {
  if (process.stdin.isTTY) return { kind: 'terminal' }
  const chunks = []
  let size = 0
  for await (const chunk of process.stdin) {
    size += chunk.length
    // Leaving the loop destroys the stream: nothing more is read.
    if (size > maxBytes) return { kind: 'too-large' }
    chunks.push(chunk)
  }
  return { kind: 'text', text: Buffer.concat(chunks, size).toString('utf8') }
}

process.exitCode = await main(process.argv.slice(2), {
  parseArgs,
  env: process.env,
  now: Date.now,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin,
})
