/**
 * Where a cold pool's start-up goes (bench helper, not a bench):
 *   node bench/pool/startup-probe.ts
 * Times, for 2 worker threads, from creating the pool to the first no-op
 * result: Piscina; a bare `worker_threads` echo; corun with the bench's
 * tasks module (`effect` and `@corun/core` barrels); corun with a tasks
 * module on `effect/*` subpaths and `Task.ts` only. Alternating, medians.
 */
import { NodePool } from "@corun/node"
import { Effect } from "effect"
import { Worker } from "node:worker_threads"
import { Piscina } from "piscina"
import { median } from "../futures/stats.ts"
import { noop as noopLight } from "./tasks-light.ts"
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
const corun = (name: string, tasks: URL, task: typeof noop) => () =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const start = performance.now()
    const pool = yield* NodePool.make({ tasks, size: 2 })
    yield* NodePool.awaitReady(pool)
    const ready = performance.now() - start
    yield* Effect.all([pool.apply(task, 1), pool.apply(task, 2)], { concurrency: 2 })
    record(`${name}: ready`, ready)
    record(`${name}: first 2 results`, performance.now() - start)
  })))

const contenders = [
  bare,
  piscina,
  corun("corun, tasks on the barrels", new URL("./tasks.ts", import.meta.url), noop),
  corun("corun, tasks on subpaths", new URL("./tasks-light.ts", import.meta.url), noopLight)
]
for (let round = 0; round < ROUNDS; round++) for (const c of contenders) await c()
for (const [name, xs] of times) {
  console.log(`${name.padEnd(48)} ${median(xs).toFixed(0).padStart(5)} ms  (${xs.map((x) => x.toFixed(0)).join(" ")})`)
}
