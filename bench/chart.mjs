/**
 * The SVG chart, built as a string: one panel per operation, one group of bars per
 * runtime, one bar per contender; mean µs for the 1 KB payload on a log scale.
 */

const COLORS = {
  'sealed-session': '#2563eb',
  raw: '#9ca3af',
  native: '#6b7280',
  jose: '#f59e0b',
  iron: '#dc2626',
  authjs: '#7c3aed',
}
const OPS = [
  ['seal', 'seal'],
  ['unseal', 'unseal'],
  ['cycle', 'request cycle'],
]

function esc(text) {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

function fmt(us) {
  return us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2)
}

/** entries: [runtimeKey, result][]; payloadId: which payload to draw. */
export function chartSvg(entries, { payloadId = '1KB', subtitle = '' } = {}) {
  const contenders = entries[0][1].contenders
  const payloadLabel = entries[0][1].payloads.find((p) => p.id === payloadId)?.label ?? payloadId
  const values = []
  for (const [, r] of entries) for (const c of r.cells) if (c.payload === payloadId) for (const { id } of contenders) if (c.results[id]) values.push(c.results[id].meanUs)
  const lo = 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...values))))
  const max = Math.max(...values)
  const decade = 10 ** Math.floor(Math.log10(max))
  const hi = [1, 2, 5, 10].map((m) => m * decade).find((v) => v >= max)

  const left = 80
  const panelWidth = 290
  const panelGap = 24
  const top = 92
  const bar = 9
  const barGap = 2
  const groupGap = 14
  const groupHeight = contenders.length * (bar + barGap) - barGap
  const plotHeight = entries.length * groupHeight + (entries.length - 1) * groupGap
  const width = left + OPS.length * panelWidth + (OPS.length - 1) * panelGap + 20
  const height = top + plotHeight + 40
  const labelRoom = 44 // room at the right of each panel for value labels
  const x = (us) => ((Math.log10(us) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (panelWidth - labelRoom)

  const out = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="11">`)
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`)
  out.push(`<text x="${left}" y="22" font-size="15" font-weight="600" fill="#111827">Mean time per operation, ${esc(payloadLabel)} payload (µs, log scale, lower is better)</text>`)
  if (subtitle) out.push(`<text x="${left}" y="40" fill="#4b5563">${esc(subtitle)}</text>`)
  let lx = left
  for (const { id, label } of contenders) {
    out.push(`<rect x="${lx}" y="52" width="10" height="10" fill="${COLORS[id] ?? '#000'}"/>`)
    out.push(`<text x="${lx + 14}" y="61" fill="#111827">${esc(label)}</text>`)
    lx += 28 + label.length * 6.4
  }

  OPS.forEach(([op, opLabel], p) => {
    const px = left + p * (panelWidth + panelGap)
    out.push(`<text x="${px}" y="${top - 10}" font-weight="600" fill="#111827">${esc(opLabel)}</text>`)
    for (let t = lo; t <= hi; t *= 10) {
      const gx = px + x(t)
      out.push(`<line x1="${gx.toFixed(1)}" y1="${top - 4}" x2="${gx.toFixed(1)}" y2="${top + plotHeight + 4}" stroke="#e5e7eb"/>`)
      out.push(`<text x="${gx.toFixed(1)}" y="${top + plotHeight + 18}" text-anchor="middle" fill="#6b7280">${t >= 1000 ? `${t / 1000} ms` : `${t} µs`}</text>`)
    }
    entries.forEach(([key, r], g) => {
      const gy = top + g * (groupHeight + groupGap)
      if (p === 0) out.push(`<text x="${left - 8}" y="${(gy + groupHeight / 2 + 4).toFixed(1)}" text-anchor="end" font-weight="600" fill="#111827">${esc(key)}</text>`)
      // Which AES-GCM path sealed-session took on this runtime (src/format/cipher.ts).
      if (p === 0 && r.runtime.cipherPath) out.push(`<text x="${left - 8}" y="${(gy + groupHeight / 2 + 16).toFixed(1)}" text-anchor="end" font-size="9" fill="#4b5563">${r.runtime.cipherPath === 'native' ? 'native cipher' : 'Web Crypto'}</text>`)
      const cell = r.cells.find((c) => c.op === op && c.payload === payloadId)
      contenders.forEach(({ id, label }, i) => {
        if (!cell.results[id]) return
        const us = cell.results[id].meanUs
        const by = gy + i * (bar + barGap)
        const w = Math.max(1, x(Math.max(us, lo)))
        out.push(`<rect x="${px}" y="${by}" width="${w.toFixed(1)}" height="${bar}" fill="${COLORS[id] ?? '#000'}"><title>${esc(`${key} ${opLabel} ${label}: ${fmt(us)} µs`)}</title></rect>`)
        out.push(`<text x="${(px + w + 3).toFixed(1)}" y="${by + bar - 1}" font-size="9" fill="#374151">${fmt(us)}</text>`)
      })
    })
  })
  out.push('</svg>')
  return `${out.join('\n')}\n`
}
