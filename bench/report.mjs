/**
 * Turns result files into what people read: terminal tables, target checks, the SVG
 * chart (plain string building) and the generated part of BENCHMARKS.md. Node only
 * (run by bench/run.mjs).
 */

export const REFERENCE = 'sealed-session'
/** workerd (Web Crypto path): no slower than the one-call Web Crypto floor, give or take 15%. */
const RATIO_TO_RAW_TARGET = 1.15
/** Node, Bun, Deno (native path): at most half the Web Crypto floor (issue 15). */
const RATIO_TO_RAW_NATIVE_TARGET = 0.5
const JOSE_TARGET = 2
const IRON_TARGET = 10
const LENGTH_TARGET = 190
/** Where a Web Crypto call costs a thread hand-off, so the 2x/10x targets apply (not workerd). */
const SPEED_TARGET_RUNTIMES = ['node24', 'node20', 'bun', 'deno']

const OP_LABEL = { seal: 'seal', unseal: 'unseal (first time)', 'unseal-seen': 'unseal (seen before)', 'load-seen': 'load() (seen before)', cycle: 'request cycle', 'cycle-unchanged': 'request cycle, unchanged session' }

function fmtInt(n) {
  return Math.round(n).toLocaleString('en-US')
}

function fmtUs(us) {
  return us >= 100 ? us.toFixed(0) : us >= 10 ? us.toFixed(1) : us.toFixed(2)
}

function fmtRatio(r) {
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`
}

function payloadLabel(result, id) {
  return result.payloads.find((p) => p.id === id)?.label ?? id
}

function contenderLabel(result, id) {
  return result.contenders.find((c) => c.id === id)?.label ?? id
}

export function runtimeTitle(key, result) {
  const r = result.runtime
  return `${key}: ${r.name} ${r.version}${r.engine ? ` (${r.engine})` : ''}${r.cipherPath ? `; sealed-session cipher: ${cipherLabel(r.cipherPath)}` : ''}`
}

function cipherLabel(path) {
  return path === 'native' ? 'native (node:crypto)' : 'Web Crypto'
}

/** Rows of the main table: one per (op, payload, contender). */
export function tableRows(result) {
  const rows = []
  for (const cell of result.cells) {
    const ref = cell.results[REFERENCE].meanUs
    for (const { id } of result.contenders) {
      const m = cell.results[id]
      if (m === undefined) continue
      rows.push({
        op: cell.op,
        payload: payloadLabel(result, cell.payload),
        contender: contenderLabel(result, id),
        id,
        opsPerSec: m.opsPerSec,
        meanUs: m.meanUs,
        spread: m.spread,
        ratio: m.meanUs / ref,
      })
    }
  }
  return rows
}

/** The terminal table for one runtime. */
export function textTable(key, result) {
  const lines = []
  lines.push('')
  lines.push(`== ${runtimeTitle(key, result)}`)
  lines.push(`   ${result.method.kind}; raw baseline base64: ${result.rawBase64}`)
  const head = ['op', 'payload', 'contender', 'ops/s', 'mean µs', 'IQR', 'time ÷ sealed-session']
  const body = tableRows(result).map((r, i, all) => [
    i > 0 && all[i - 1].op === r.op ? '' : OP_LABEL[r.op],
    i > 0 && all[i - 1].op === r.op && all[i - 1].payload === r.payload ? '' : r.payload,
    r.contender,
    fmtInt(r.opsPerSec),
    fmtUs(r.meanUs),
    `±${Math.round((r.spread * 100) / 2)}%`,
    r.id === REFERENCE ? '1.00×' : fmtRatio(r.ratio),
  ])
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)))
  const right = new Set([3, 4, 5, 6])
  const fmt = (row) => row.map((v, c) => (right.has(c) ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join('  ')
  lines.push(fmt(head))
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of body) lines.push(fmt(row))
  return lines.join('\n')
}

/**
 * Checks the issue's targets against one runtime's result. Issue 15 states its speed
 * targets for a ~150-byte payload, so each is judged on the 100 B payload (the nearest
 * measured); the worst payload size is shown beside it.
 */
export function checkTargets(key, result) {
  const checks = []
  const cell = (op, payload) => result.cells.find((c) => c.op === op && c.payload === payload)
  const speedTargets = SPEED_TARGET_RUNTIMES.includes(key)
  const judged = result.payloads[0].id
  /** `ratio(results)` at the judged payload, and its extreme over every payload (`sign` 1: largest, -1: smallest). */
  const measure = (op, ratio, sign) => {
    let extreme
    for (const { id } of result.payloads) {
      const value = ratio(cell(op, id).results)
      if (extreme === undefined || sign * (value - extreme.value) > 0) extreme = { value, payload: payloadLabel(result, id) }
    }
    return { value: ratio(cell(op, judged).results), extreme }
  }
  const describe = (m, word) => `${m.value.toFixed(2)}× at ${payloadLabel(result, judged)} (${word} ${m.extreme.value.toFixed(2)}× at ${m.extreme.payload})`
  const ops = [['seal', speedTargets ? RATIO_TO_RAW_NATIVE_TARGET : RATIO_TO_RAW_TARGET], ['unseal', speedTargets ? RATIO_TO_RAW_NATIVE_TARGET : RATIO_TO_RAW_TARGET]]
  // Issue 15: a token seen before; issue 20: load() of a cookie seen before, and a request
  // that changes nothing (0.2× in issue 15, tightened to 0.15× once the decode is cached).
  ops.push(['unseal-seen', speedTargets ? 0.1 : 0.5])
  if (speedTargets) ops.push(['load-seen', 0.1], ['cycle-unchanged', 0.15])
  for (const [op, goal] of ops) {
    if (!result.cells.some((c) => c.op === op)) continue
    const m = measure(op, (c) => c[REFERENCE].meanUs / c.raw.meanUs, 1)
    const native = result.cells.some((c) => c.op === op && c.results.native) ? measure(op, (c) => c[REFERENCE].meanUs / c.native.meanUs, 1) : undefined
    checks.push({
      target: `${OP_LABEL[op]}: sealed-session ≤ ${goal}× the Web Crypto floor`,
      measured: `${describe(m, 'worst')}${native ? `; ${native.value.toFixed(2)}× the bare native cipher` : ''}`,
      pass: m.value <= goal,
    })
    if (speedTargets && (op === 'seal' || op === 'unseal')) {
      for (const [other, target] of [['jose', JOSE_TARGET], ['iron', IRON_TARGET]]) {
        const r = measure(op, (c) => c[other].meanUs / c[REFERENCE].meanUs, -1)
        checks.push({
          target: `${OP_LABEL[op]}: ≥ ${target}× faster than ${other === 'jose' ? 'jose JWE' : 'iron-webcrypto'}`,
          measured: describe(r, 'least'),
          pass: r.value >= target,
        })
      }
    }
  }
  const sealed100 = result.lengths[result.payloads[0].id][REFERENCE].sealed
  checks.push({ target: `100 B payload sealed alone ≤ ${LENGTH_TARGET} chars`, measured: `${sealed100} chars`, pass: sealed100 <= LENGTH_TARGET })
  const kvFail = result.kv.rows.filter((r) => !r.atMostOnePerWindow)
  const kvMain = result.kv.rows.find((r) => r.clockStepSeconds === 1 && r.session.startsWith('logged') && r.requestsChangeSession)
  checks.push({
    target: 'KV: ≤ 1 read per session per revalidation window',
    measured: `${kvMain.reads} reads / ${kvMain.requests} requests at ${kvMain.clockStepSeconds} s steps (${kvMain.windows} windows)${kvFail.length ? `; ${kvFail.length} scenario(s) over` : ''}`,
    pass: kvFail.length === 0,
  })
  return checks
}

export function textTargets(key, result) {
  return checkTargets(key, result)
    .map((c) => `   ${c.pass ? 'PASS' : 'MISS'}  ${c.target}: ${c.measured}`)
    .join('\n')
}

// ---------- Markdown ----------

function mdTable(head, rows, align) {
  const out = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (align?.[i] === 'r' ? '---:' : '---')).join(' | ')} |`]
  for (const row of rows) out.push(`| ${row.join(' | ')} |`)
  return out.join('\n')
}

function mdRuntimeTable(result) {
  const rows = tableRows(result).map((r, i, all) => [
    i > 0 && all[i - 1].op === r.op ? '' : OP_LABEL[r.op],
    i > 0 && all[i - 1].op === r.op && all[i - 1].payload === r.payload ? '' : r.payload,
    r.id === REFERENCE ? `**${r.contender}**` : r.contender,
    fmtInt(r.opsPerSec),
    fmtUs(r.meanUs),
    `±${Math.round((r.spread * 100) / 2)}%`,
    r.id === REFERENCE ? '1.00×' : fmtRatio(r.ratio),
  ])
  return mdTable(['op', 'payload', 'contender', 'ops/s', 'mean µs', 'IQR', 'time ÷ sealed-session'], rows, [, , , 'r', 'r', 'r', 'r'])
}

function sameJson(values) {
  return values.every((v) => JSON.stringify(v) === JSON.stringify(values[0]))
}

function mdLengths(entries) {
  const [, first] = entries[0]
  const rows = []
  for (const { id: pid, label } of first.payloads) {
    for (const { id, label: cl } of first.contenders) {
      const l = first.lengths[pid][id]
      if (l === undefined) continue
      rows.push([label, id === REFERENCE ? `**${cl}**` : cl, String(l.sealed), String(l.cookiePair), String(l.setCookie), l.fitsOneCookie ? 'yes' : '**no** (> 4096)'])
    }
  }
  const note = sameJson(entries.map(([, r]) => r.lengths))
    ? 'Identical on every runtime measured.'
    : `Taken from ${entries[0][0]}; other runtimes differ (see bench/results/*.json).`
  return `${mdTable(['payload', 'contender', 'sealed alone (chars)', 'session cookie name=value', 'Set-Cookie line', 'fits one cookie'], rows, [, , 'r', 'r', 'r'])}\n\n${note} For sealed-session, "sealed alone" is \`seal()\`; the cookie columns are the session cookie written by \`commit()\` (the payload as session data plus the session envelope: id, creation, expiry, last-seen).`
}

function mdSubtle(entries) {
  const groups = []
  for (const [key, r] of entries) {
    const found = groups.find((g) => JSON.stringify(g.counts) === JSON.stringify(r.subtleCalls))
    if (found) found.keys.push(key)
    else groups.push({ keys: [key], counts: r.subtleCalls, result: r })
  }
  const describe = (c) => {
    const parts = Object.entries(c).filter(([k]) => k !== 'total').map(([k, v]) => `${k} ${v}`)
    return `${c.total}${parts.length ? ` (${parts.join(', ')})` : ''}`
  }
  return groups
    .map((g) => {
      const rows = g.result.contenders.map(({ id, label }) => [label, ...['seal', 'unseal', 'cycle'].map((op) => describe(g.counts[id][op]))])
      return `On ${g.keys.join(', ')}:\n\n${mdTable(['contender', 'seal', 'unseal', 'request cycle'], rows)}`
    })
    .join('\n\n')
}

function mdKv(entries) {
  const [, first] = entries[0]
  const rows = first.kv.rows.map((r) => [
    `${r.clockStepSeconds} s`,
    r.session,
    r.requestsChangeSession ? 'yes' : 'no (read-only)',
    String(r.requests),
    `**${r.reads}**`,
    String(r.windows),
    r.atMostOnePerWindow ? 'yes' : '**no**',
  ])
  const note = sameJson(entries.map(([, r]) => r.kv)) ? 'Identical on every runtime measured.' : 'Runtimes differ: see bench/results/*.json.'
  return `${mdTable(['clock step', 'session', 'requests change it', 'requests', 'KV reads', 'windows spanned', '≤ 1 per window'], rows, [, , , 'r', 'r', 'r'])}\n\n${note} revalidateAfter = ${first.kv.revalidateAfter} s (the default).`
}

function mdOverhead(entries) {
  const rows = []
  for (const [key, r] of entries) {
    if (!r.jsOverhead) continue
    for (const op of ['seal', 'unseal', 'cycle']) {
      const cells = r.jsOverhead.cells.filter((c) => c.op === op)
      rows.push([
        key,
        OP_LABEL[op],
        ...cells.map((c) => {
          const ss = c.results[REFERENCE].meanUs
          const raw = c.results.raw.meanUs
          return `${fmtUs(ss)} / ${fmtUs(raw)} / ${fmtUs(c.results.jose.meanUs)} (+${fmtUs(ss - raw)})`
        }),
      ])
    }
  }
  const [, first] = entries[0]
  return mdTable(['runtime', 'op', ...first.payloads.map((p) => `${p.label}: sealed-session / raw / jose µs (+ss−raw)`)], rows)
}

function mdTargets(entries) {
  const rows = []
  for (const [key, r] of entries) {
    for (const c of checkTargets(key, r)) rows.push([key, c.target, c.measured, c.pass ? 'pass' : '**MISS**'])
  }
  return mdTable(['runtime', 'target', 'measured', ''], rows)
}

function range(values) {
  const lo = Math.min(...values.map((v) => v.value))
  const hi = Math.max(...values.map((v) => v.value))
  return { lo, hi, at: values.find((v) => v.value === hi) }
}

/** One line, computed from the results: the ratios as measured, nothing hand-written. */
export function summaryLine(entries) {
  const ratios = (other, keys) => {
    const out = []
    for (const [key, r] of entries) {
      if (keys && !keys.includes(key)) continue
      for (const c of r.cells) {
        if ((c.op !== 'seal' && c.op !== 'unseal') || c.results[other] === undefined) continue
        const ss = c.results[REFERENCE].meanUs
        const value = other === 'raw' || other === 'native' ? ss / c.results[other].meanUs : c.results[other].meanUs / ss
        out.push({ value, where: `${c.op} ${payloadLabel(r, c.payload)} on ${key}` })
      }
    }
    return out.length ? range(out) : undefined
  }
  const others = entries.map(([k]) => k).filter((k) => !SPEED_TARGET_RUNTIMES.includes(k))
  const raw = ratios('raw', SPEED_TARGET_RUNTIMES)
  const rawOthers = ratios('raw', others)
  const native = ratios('native', SPEED_TARGET_RUNTIMES)
  const jose = ratios('jose', SPEED_TARGET_RUNTIMES)
  const iron = ratios('iron', SPEED_TARGET_RUNTIMES)
  const auth = ratios('authjs', SPEED_TARGET_RUNTIMES)
  const [, first] = entries[0]
  const sealed = first.lengths[first.payloads[0].id][REFERENCE].sealed
  const kv = first.kv.rows.find((r) => r.clockStepSeconds === 1 && r.session.startsWith('logged') && r.requestsChangeSession)
  const f = (x) => x.toFixed(2)
  const paths = {}
  for (const [key, r] of entries) (paths[cipherLabel(r.runtime.cipherPath ?? 'webcrypto')] ??= []).push(key)
  const pathText = Object.entries(paths).map(([label, keys]) => `${label} on ${keys.join(', ')}`).join('; ')
  const ss = (range, text) => (range ? `${f(range.lo)}–${f(range.hi)}× ${text}` : '')
  return (
    `**Summary (${entries.map(([k]) => k).join(', ')}, one run each; sealed-session's cipher: ${pathText}):** ` +
    (raw ? `on Node, Bun and Deno sealed-session's seal/unseal took ${ss(raw, 'the time of a bare one-call Web Crypto AES-GCM')} (worst: ${raw.at.where})${native ? ` and ${ss(native, 'that of the bare native cipher')}` : ''}; ` : '') +
    (rawOthers ? `on ${others.join(', ')} ${ss(rawOthers, 'the Web Crypto floor')} (worst: ${rawOthers.at.where}); ` : '') +
    (jose ? `on Node, Bun and Deno jose JWE took ${f(jose.lo)}–${f(jose.hi)}×, iron-webcrypto ${f(iron.lo)}–${f(iron.hi)}× and Auth.js ${f(auth.lo)}–${f(auth.hi)}× sealed-session's time; ` : '') +
    `a 100 B value seals to ${sealed} characters; one signed-in session made ${kv.reads} KV reads in ${kv.requests} requests ${kv.clockStepSeconds} s apart.`
  )
}

/** The generated block of BENCHMARKS.md. */
export function markdownResults(entries, machine) {
  const parts = []
  parts.push(`Generated by \`npm run bench\` on ${machine.date}. Source: ${machine.commit}.`)
  parts.push(`### Machine\n\n${mdTable(['', ''], [
    ['CPU', `${machine.cpuModel}${machine.cpuDetail ? ` (${machine.cpuDetail})` : ''}`],
    ['cores (nproc)', String(machine.nproc)],
    ['memory', machine.memory],
    ['kernel', machine.kernel],
    ...entries.map(([key, r]) => [key, `${r.runtime.name} ${r.runtime.version}${r.runtime.engine ? `, ${r.runtime.engine}` : ''}${r.runtime.compatibilityDate ? `, compatibility date ${r.runtime.compatibilityDate}` : ''}; raw base64: ${r.rawBase64}`]),
  ])}\n\n<details><summary><code>node -p process.versions</code> (Node 24 and Node 20)</summary>\n\n\`\`\`json\n${JSON.stringify(machine.nodeVersions, null, 2)}\n\`\`\`\n\n</details>`)
  parts.push(`### Targets\n\n${mdTargets(entries)}`)
  parts.push(`### Chart\n\n![Mean time per operation, 1 KB payload, log scale](bench/results/chart.svg)`)
  for (const [key, r] of entries) {
    const load = r.machineLoad
    const quiet = load
      ? ` Before it, other processes used ${load.before.busyFraction === null ? '?' : `${Math.round(load.before.busyFraction * 100)}%`} of the CPU; load average ${load.before.loadAverage?.[0] ?? '?'} before, ${load.loadAverageAfter?.[0] ?? '?'} after.`
      : ''
    parts.push(`### ${runtimeTitle(key, r)}\n\nMeasured ${r.started}; ${r.method.kind}; ${r.method.rounds} samples × ${r.method.sampleMs} ms per contender${r.method.requestMs ? ` (requests of about ${r.method.requestMs} ms of work)` : ''}, interleaved.${quiet}\n\n${mdRuntimeTable(r)}`)
  }
  parts.push(`### Sealed lengths\n\n${mdLengths(entries)}`)
  parts.push(`### crypto.subtle calls per operation\n\n${mdSubtle(entries)}`)
  parts.push(`### KV reads per 1000 requests of one session (revocation on)\n\n${mdKv(entries)}`)
  parts.push(`### Library JavaScript without the cipher\n\nThe same operations with AES-GCM \`encrypt\`/\`decrypt\` replaced by an identity stub, so what remains is each library's own JavaScript (JSON, base64url, header, cookie, awaits). sealed-session runs here with \`cipher: 'webcrypto'\`, the path the stub replaces. Mean µs.\n\n${mdOverhead(entries)}`)
  return parts.join('\n\n')
}

/** The profile block of BENCHMARKS.md (from `npm run bench:profile`). */
export function markdownProfile(entries) {
  const parts = [`Generated by \`npm run bench:profile\`. Each step timed alone, interleaved, median of samples; µs per call.`]
  const [, first] = entries[0]
  const ids = first.payloads[0].rows.map((r) => r.id)
  const rows = ids.map((id) => {
    const what = first.payloads[0].rows.find((r) => r.id === id).what
    return [id.startsWith('  ') ? `&nbsp;&nbsp;${id.trim()}` : `**${id}**`, what, ...entries.map(([, r]) => r.payloads.map((p) => {
      const row = p.rows.find((x) => x.id === id)
      return row ? fmtUs(row.meanUs) : '–'
    }).join(' / '))]
  })
  // Rows a runtime lacks (native base64 on one, Buffer on another) are shown per runtime.
  const extra = new Set()
  for (const [, r] of entries) for (const row of r.payloads[0].rows) if (!ids.includes(row.id)) extra.add(row.id)
  for (const id of extra) {
    const holder = entries.find(([, r]) => r.payloads[0].rows.some((x) => x.id === id))[1]
    rows.push([`&nbsp;&nbsp;${id.trim()}`, holder.payloads[0].rows.find((x) => x.id === id).what, ...entries.map(([, r]) => r.payloads.map((p) => {
      const row = p.rows.find((x) => x.id === id)
      return row ? fmtUs(row.meanUs) : '–'
    }).join(' / '))])
  }
  parts.push(mdTable(['step', 'what', ...entries.map(([key]) => `${key} (${first.payloads.map((p) => p.payload).join(' / ')})`)], rows))
  parts.push(`Dates: ${entries.map(([key, r]) => `${key} ${r.date}`).join(', ')}.`)
  return parts.join('\n\n')
}

export function textProfile(key, result) {
  const lines = ['', `== profile ${key}: ${result.runtime.name} ${result.runtime.version}`]
  const ids = result.payloads[0].rows.map((r) => r.id)
  const w = Math.max(...ids.map((id) => id.length))
  lines.push(`${'step'.padEnd(w)}  ${result.payloads.map((p) => p.payload.padStart(9)).join(' ')}   what`)
  for (const id of ids) {
    const what = result.payloads[0].rows.find((r) => r.id === id).what
    lines.push(`${id.padEnd(w)}  ${result.payloads.map((p) => fmtUs(p.rows.find((r) => r.id === id).meanUs).padStart(9)).join(' ')}   ${what}`)
  }
  return lines.join('\n')
}

/** Replaces the text between two marker comments (or appends a marked block). */
export function replaceBlock(doc, name, content) {
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const block = `${start}\n${content}\n${end}`
  const a = doc.indexOf(start)
  const b = doc.indexOf(end)
  if (a === -1 || b === -1 || b < a) return `${doc.trimEnd()}\n\n${block}\n`
  return doc.slice(0, a) + block + doc.slice(b + end.length)
}
