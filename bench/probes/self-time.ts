/**
 * Prints the functions with the most self time in a `.cpuprofile`
 * (`node bench/probes/self-time.ts FILE [TOP]`), grouped by function and file.
 */
import { readFileSync } from "node:fs"

interface Node {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}
const [file, top = "30"] = process.argv.slice(2)
const profile = JSON.parse(readFileSync(file, "utf8")) as {
  nodes: Array<Node>
  samples: Array<number>
  timeDeltas: Array<number>
}
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const self = new Map<string, number>()
let total = 0
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i])!
  const { functionName, lineNumber, url } = node.callFrame
  const key = `${functionName || "(anonymous)"} ${
    url.replace(/^.*node_modules\//, "").replace(/^.*\/work\/main\//, "")
  }:${lineNumber + 1}`
  const delta = profile.timeDeltas[i] ?? 0
  self.set(key, (self.get(key) ?? 0) + delta)
  total += delta
}
console.log(`total ${(total / 1000).toFixed(0)} ms sampled`)
for (const [key, micros] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
  console.log(
    `${((100 * micros) / total).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${key}`
  )
}

// The same self time by where the code lives.
const where = (key: string): string => {
  if (key.startsWith("(garbage collector)")) return "garbage collector"
  if (key.startsWith("(idle)") || key.startsWith("(program)")) return "idle / program"
  if (/node:internal\/modules|tsx\/|source_map|cjs-module-lexer|getPackageScopeConfig/.test(key)) {
    return "module loading"
  }
  if (/ effect\//.test(key)) return "effect"
  if (/ packages\/core\//.test(key)) return "@corun/core"
  if (/ node:|runMicrotasks/.test(key)) return "node (timers, async_hooks, microtasks)"
  if (/ p-map\//.test(key)) return "p-map"
  return "other (bench code)"
}
const groups = new Map<string, number>()
for (const [key, micros] of self) groups.set(where(key), (groups.get(where(key)) ?? 0) + micros)
console.log()
for (const [group, micros] of [...groups].sort((a, b) => b[1] - a[1])) {
  console.log(
    `${((100 * micros) / total).toFixed(1).padStart(5)} %  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${group}`
  )
}
