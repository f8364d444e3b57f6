/**
 * The one harness and reporter of the script runners (conformance, browser, load, docs,
 * Next.js). Plain JavaScript with no imports: the conformance suite runs it inside Deno,
 * Bun and Node 20 as it is. Every runner prints one line per check and ends with the line
 * `N passed, M failed`, which the parent runners read back with `summaryOf()`.
 *
 *   const suite = createSuite({ label: '[deno 2.9.6]' })
 *   suite.test('signs in', async () => { equal(status, 200, 'status') })
 *   finish(await suite.run())
 */

/** A failed expectation: its message is the whole report (no stack needed). */
export class Failure extends Error {}

export function assert(condition, message) {
  if (!condition) throw new Failure(message)
}

/** `Object.is` equality, with both values in the message. */
export function equal(actual, expected, what) {
  if (!Object.is(actual, expected)) throw new Failure(`${what}: expected ${show(expected)}, got ${show(actual)}`)
}

/** Equality of the JSON forms. */
export function deepEqual(actual, expected, what) {
  const a = JSON.stringify(actual)
  const b = JSON.stringify(expected)
  if (a !== b) throw new Failure(`${what}: expected ${b}, got ${a}`)
}

function show(value) {
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

/**
 * Counts outcomes and prints one line each: `<label> ok - name` or `<label> not ok - name`
 * with the reason indented below.
 */
export function createTally({ label = '' } = {}) {
  const prefix = label === '' ? '' : `${label} `
  const tally = {
    passed: 0,
    failed: 0,
    /** Names of the failed checks, in order. */
    failures: [],
    pass(name, ms) {
      tally.passed++
      console.log(`${prefix}ok - ${name}${ms === undefined ? '' : ` (${Math.round(ms)} ms)`}`)
    },
    fail(name, reason, ms) {
      tally.failed++
      tally.failures.push(name)
      console.log(`${prefix}not ok - ${name}${ms === undefined ? '' : ` (${Math.round(ms)} ms)`}`)
      if (reason !== undefined && reason !== '') console.log(indent(describe(reason)))
    },
    /** One check that throws to fail: `fn` resolving passes, its error fails with the error's message. */
    async run(name, fn) {
      try {
        await fn()
        tally.pass(name)
      } catch (error) {
        tally.fail(name, error)
      }
    },
    /** One assertion-style check: `ok` true passes, anything else fails with `detail`. */
    check(name, ok, detail = '') {
      if (ok === true) tally.pass(name)
      else tally.fail(name, detail)
      return ok === true
    },
  }
  return tally
}

/**
 * A sequential runner: `test(name, fn)` registers; `run()` runs them in order, each bounded
 * by `timeoutMs`, and resolves to the tally. `only` (a substring) keeps matching tests.
 */
export function createSuite({ label = '', timeoutMs = 60_000, only } = {}) {
  const tests = []
  return {
    test(name, fn) {
      if (only === undefined || name.includes(only)) tests.push({ name, fn })
    },
    get size() {
      return tests.length
    },
    async run() {
      const tally = createTally({ label })
      for (const { name, fn } of tests) {
        const started = performance.now()
        let timer
        try {
          await Promise.race([
            fn(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Failure(`timed out after ${timeoutMs / 1000} s`)), timeoutMs)
            }),
          ])
          tally.pass(name, performance.now() - started)
        } catch (error) {
          tally.fail(name, error, performance.now() - started)
        } finally {
          clearTimeout(timer)
        }
      }
      return tally
    },
  }
}

/** The closing line every runner prints. */
export function summaryLine({ passed, failed }) {
  return `${passed} passed, ${failed} failed`
}

/** Prints the closing line and exits: 0 when nothing failed (and something ran, unless `allowEmpty`). */
export function finish(tally, { allowEmpty = false } = {}) {
  console.log(summaryLine(tally))
  const code = tally.failed === 0 && (allowEmpty || tally.passed > 0) ? 0 : 1
  if (typeof globalThis.Deno !== 'undefined') globalThis.Deno.exit(code)
  globalThis.process.exit(code)
}

/** The `N passed, M failed` line of a runner's output, or undefined. */
export function summaryOf(lines) {
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = /^(\d+) passed, (\d+) failed$/.exec(lines[i].trim())
    if (match) return { passed: Number(match[1]), failed: Number(match[2]) }
  }
  return undefined
}

function describe(reason) {
  if (reason instanceof Failure) return reason.message
  if (reason instanceof Error) return reason.stack ?? reason.message
  return String(reason)
}

function indent(text) {
  return text.split('\n').map((line) => `    ${line}`).join('\n')
}
