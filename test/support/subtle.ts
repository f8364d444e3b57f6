type SubtleMethod = 'decrypt' | 'encrypt' | 'deriveKey' | 'deriveBits' | 'importKey'

/**
 * Counts calls of `crypto.subtle` methods while `work` runs, then restores them: how tests
 * prove that a refused token derived no key or attempted no decryption, without a
 * counter in the library itself.
 */
export async function subtleCalls(methods: readonly SubtleMethod[], work: () => Promise<void>): Promise<number> {
  const subtle = crypto.subtle as unknown as Record<SubtleMethod, (...args: unknown[]) => unknown>
  const originals = methods.map((method) => [method, subtle[method]] as const)
  let count = 0
  for (const [method, original] of originals) {
    subtle[method] = function (this: unknown, ...args: unknown[]) {
      count++
      return original.apply(this, args)
    }
  }
  try {
    await work()
  } finally {
    // An own property shadowed the prototype's method: deleting it restores the original.
    for (const [method] of originals) delete (subtle as Partial<typeof subtle>)[method]
  }
  return count
}
