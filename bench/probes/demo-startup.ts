/**
 * The demo's start-up and run time (a probe, not a bench of record): runs
 * `tsx examples/demo.ts` (what `pnpm demo` runs, without pnpm's own
 * start-up) RUNS times and reports, as medians with min and max, the time
 * from spawning it to its first line on stdout (what a user waits before
 * anything happens) and to its exit.
 *
 *   RUNS=7 node bench/probes/demo-startup.ts
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../", import.meta.url))
const RUNS = Number(process.env.RUNS ?? 5)

const once = () =>
  new Promise<{ first: number; total: number }>((resolve, reject) => {
    const start = performance.now()
    let first = -1
    const child = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "examples/demo.ts"], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"]
    })
    child.stdout.on("data", () => {
      if (first < 0) first = performance.now() - start
    })
    child.on("error", reject)
    child.on("close", (code) => {
      if (code !== 0) reject(new Error(`the demo exited with ${code}`))
      else resolve({ first, total: performance.now() - start })
    })
  })

const firsts: Array<number> = []
const totals: Array<number> = []
for (let i = 0; i < RUNS; i++) {
  const { first, total } = await once()
  firsts.push(first)
  totals.push(total)
}
const summary = (xs: Array<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return `median ${sorted[sorted.length >> 1]!.toFixed(0)} ms (min ${sorted[0]!.toFixed(0)}, max ${
    sorted.at(-1)!.toFixed(0)
  })`
}
console.log(`${RUNS} runs of tsx examples/demo.ts on Node ${process.versions.node}`)
console.log(`first line: ${summary(firsts)}`)
console.log(`exit:       ${summary(totals)}`)
