#!/usr/bin/env node
// The `sealed-session` command (docs/CLI.md). Node-only wiring: the CLI itself lives in
// dist/cli and receives Node's parseArgs, environment and streams from here.
import { open } from 'node:fs/promises'
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

/** A file's text, but never more than maxBytes (it is not read past them). */
async function readFile(path, maxBytes) {
  let file
  try {
    file = await open(path, 'r')
  } catch (error) {
    return { kind: 'missing', message: error.code === 'ENOENT' ? `no file ${path}` : `cannot read ${path} (${error.code ?? error.message})` }
  }
  try {
    const buffer = Buffer.alloc(maxBytes + 1)
    const { bytesRead } = await file.read(buffer, 0, maxBytes + 1, null)
    if (bytesRead > maxBytes) return { kind: 'too-large' }
    return { kind: 'text', text: buffer.subarray(0, bytesRead).toString('utf8') }
  } finally {
    await file.close()
  }
}

process.exitCode = await main(process.argv.slice(2), {
  parseArgs,
  env: process.env,
  now: Date.now,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readStdin,
  readFile,
})
