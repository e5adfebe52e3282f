// What a corun worker's imports cost at start-up (bench helper, not a bench):
//   node bench/pool/import-probe.mjs
// Starts fresh worker threads that import one module each and report the
// time from the thread's start to the end of the import, median of 5.
import { Worker } from "node:worker_threads"

// Each entry is imported in order in one fresh thread: single modules, then
// the cumulative sets a worker needs (what corun's worker body imports, with
// and without the platform's runner).
const modules = [
  ["effect/Effect"],
  ["effect/Schema"],
  ["effect/workers/WorkerRunner"],
  ["@effect/platform-node/NodeWorkerRunner"],
  ["effect"],
  ["@corun/core"],
  ["effect/Effect", "effect/Schema"],
  ["effect/Effect", "effect/Schema", "effect/workers/WorkerRunner"],
  ["effect/Effect", "effect/Schema", "effect/workers/WorkerRunner", "@effect/platform-node/NodeWorkerRunner"]
]
const body = `
const { parentPort, workerData } = require("node:worker_threads")
const t0 = performance.now()
workerData.reduce((p, url) => p.then(() => import(url)), Promise.resolve()).then(() => parentPort.postMessage(performance.now() - t0))
`
const once = (specifiers) =>
  new Promise((resolve, reject) => {
    const w = new Worker(body, { eval: true, workerData: specifiers.map((s) => import.meta.resolve(s)) })
    w.once("message", (ms) => w.terminate().then(() => resolve(ms)))
    w.once("error", reject)
  })
for (const specifiers of modules) {
  const times = []
  for (let i = 0; i < 5; i++) times.push(await once(specifiers))
  times.sort((a, b) => a - b)
  console.log(`${specifiers.join(" + ").padEnd(110)} ${times[2].toFixed(0).padStart(4)} ms`)
}
