// Workers' global types (KVNamespace, ExecutionContext, …), as a Workers project's
// tsconfig "types": ["@cloudflare/workers-types"] would give them.
/// <reference types="@cloudflare/workers-types" />
