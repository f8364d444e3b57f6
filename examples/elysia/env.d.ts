// The one Bun global the example reads, as @types/bun declares it (the repository type-checks
// the example with its own settings and installs no @types/bun; your app has it: see
// docs/frameworks/elysia.md).
declare var Bun: { readonly env: Record<string, string | undefined> }
