#!/usr/bin/env node
// The `sealed-session` command (docs/CLI.md). Node-only wiring: the CLI itself lives in
// dist/cli and receives Node's parseArgs, environment and streams from here.
import { parseArgs } from 'node:util'
import { main } from '../dist/cli/index.js'

async function readStdin() {
  if (process.stdin.isTTY) return undefined
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return Buffer.concat(chunks).toString('utf8')
}

process.exitCode = await main(process.argv.slice(2), {
  parseArgs,
  env: process.env,
  now: Date.now,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin,
})
