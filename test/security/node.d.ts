// The part of Node the memory test uses (the project has no @types/node: see test/cli/node.d.ts).
declare module 'node:v8' {
  export function setFlagsFromString(flags: string): void
}

declare module 'node:vm' {
  export function runInNewContext(code: string): unknown
}
