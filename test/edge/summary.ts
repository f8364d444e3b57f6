import type { Reporter, TestModule } from 'vitest/node'

/**
 * Prints the last line every runtime runner prints, `N passed, M failed`, after Vitest's
 * own report. Errors outside any test (an import that fails in the sandbox) count as failures.
 */
export const summary: Reporter = {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0
    let failed = unhandledErrors.length
    for (const module of testModules) {
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) failed++
      for (const test of module.children.allTests()) {
        const state = test.result().state
        if (state === 'passed') passed++
        else if (state === 'failed') failed++
      }
    }
    console.log(`${passed} passed, ${failed} failed`)
  },
}
