/** A request body generated as it is pulled, as a network delivers one. */
export interface GeneratedBody {
  readonly stream: ReadableStream<Uint8Array>
  /** Bytes handed out so far. */
  readonly pulled: () => number
}

/**
 * `total` bytes: `head`, then `a`s, then `tail`, in `chunk`-byte pieces made only when
 * pulled, so a test can send 256 MiB without holding it. Each piece is a fresh buffer, as
 * from a socket: one reused buffer would hide copies. `onPull` runs before each piece.
 */
export function generatedBody(total: number, options: { head?: string; tail?: string; chunk?: number; onPull?: () => void } = {}): GeneratedBody {
  const head = new TextEncoder().encode(options.head ?? '')
  const tail = new TextEncoder().encode(options.tail ?? '')
  const size = options.chunk ?? 64 * 1024
  let pulled = 0
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      options.onPull?.()
      if (pulled >= total) {
        controller.close()
        return
      }
      const piece = new Uint8Array(Math.min(size, total - pulled)).fill(0x61)
      if (pulled === 0) piece.set(head.subarray(0, piece.length))
      if (pulled + piece.length === total) piece.set(tail, Math.max(0, piece.length - tail.length))
      pulled += piece.length
      controller.enqueue(piece)
    },
  })
  return { stream, pulled: () => pulled }
}
