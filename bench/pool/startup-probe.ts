/**
 * Where a cold pool's start-up goes (bench helper, not a bench):
 *   node bench/pool/startup-probe.ts
 * Times, for 2 worker threads, from creating the pool to the first no-op
 * result: Piscina; a bare `worker_threads` echo; corun with the bench's
 * tasks module (on `@corun/core/Task` and `effect/*` subpaths only), from
 * its cached bundle (`internal/bundle`; built first if needed) and on plain
 * ES modules (`CORUN_BUNDLE=0`); the same for 2 child processes.
 * Alternating, medians. `ROUNDS=n` (default 7).
 */
import { NodePool } from "@corun/node"
import { Effect } from "effect"
import { Worker } from "node:worker_threads"
import { Piscina } from "piscina"
import * as Bundle from "../../packages/node/src/internal/bundle.ts"
import { median } from "../lib/stats.ts"
import { noop } from "./tasks.ts"

const ROUNDS = Number(process.env.ROUNDS ?? 7)
const times = new Map<string, Array<number>>()
const record = (name: string, ms: number) => times.set(name, [...(times.get(name) ?? []), ms])

const bare = async () => {
  const start = performance.now()
  const workers = [0, 1].map(() =>
    new Worker(
      "require('node:worker_threads').parentPort.on('message', (m) => require('node:worker_threads').parentPort.postMessage(m))",
      { eval: true }
    )
  )
  await Promise.all(workers.map((w) =>
    new Promise((resolve) => {
      w.once("message", resolve)
      w.postMessage(1)
    })
  ))
  record("bare worker_threads (2, eval'd echo)", performance.now() - start)
  await Promise.all(workers.map((w) => w.terminate()))
}
const piscina = async () => {
  const start = performance.now()
  const pool = new Piscina({
    filename: new URL("./peer-worker.mjs", import.meta.url).href,
    minThreads: 2,
    maxThreads: 2
  })
  await Promise.all([pool.run(1), pool.run(2)])
  record("piscina (2 threads), first 2 results", performance.now() - start)
  await pool.destroy()
}
const corun = (
  name: string,
  tasks: URL,
  task: typeof noop,
  options: { readonly bundle?: boolean; readonly runtime?: "thread" | "process" } = {}
) =>
async () => {
  if (options.bundle === false) process.env.CORUN_BUNDLE = "0"
  try {
    await corunOnce(name, tasks, task, options.runtime ?? "thread")
  } finally {
    delete process.env.CORUN_BUNDLE
  }
}
const corunOnce = (name: string, tasks: URL, task: typeof noop, runtime: "thread" | "process") =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const start = performance.now()
    const pool = yield* NodePool.make({ tasks, size: 2, runtime })
    yield* pool.awaitReady
    const ready = performance.now() - start
    yield* Effect.all([pool.apply(task, 1), pool.apply(task, 2)], { concurrency: 2 })
    record(`${name}: ready`, ready)
    record(`${name}: first 2 results`, performance.now() - start)
  })))

const tasks = new URL("./tasks.ts", import.meta.url)
// Build the bundle first (the pools then find it in the cache), and time the build (or the cache look-up).
{
  const started = performance.now()
  const bundle = await Bundle.prepare(tasks.href)
  console.log(`bundle of tasks.ts: ${bundle ?? "none"} (${(performance.now() - started).toFixed(0)} ms)`)
}
const contenders = [
  bare,
  piscina,
  corun("corun, bench tasks, bundled", tasks, noop),
  corun("corun, bench tasks, CORUN_BUNDLE=0", tasks, noop, { bundle: false }),
  corun("corun, processes, bundled", tasks, noop, { runtime: "process" }),
  corun("corun, processes, CORUN_BUNDLE=0", tasks, noop, { runtime: "process", bundle: false })
]
for (let round = 0; round < ROUNDS; round++) for (const c of contenders) await c()
for (const [name, xs] of times) {
  console.log(`${name.padEnd(48)} ${median(xs).toFixed(0).padStart(5)} ms  (${xs.map((x) => x.toFixed(0)).join(" ")})`)
}
