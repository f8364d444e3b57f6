// Moved to test/support/processes.mjs (ports, process groups) and test/support/runner.mjs
// (the shared harness and its `N passed, M failed` reporter). Kept only until
// test/next/run.mjs imports those directly.
export { freePort, run, start } from '../support/processes.mjs'
export { summaryOf } from '../support/runner.mjs'
