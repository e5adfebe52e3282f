// What a corun worker's imports cost at start-up (bench helper, not a bench):
//   node bench/pool/import-probe.mjs
// Starts fresh worker threads that import one module each and report the
// time from the thread's start to the end of the import, median of 5.
import { Worker } from "node:worker_threads"

const modules = [
  "effect/Effect",
  "effect/Schema",
  "effect/workers/WorkerRunner",
  "@effect/platform-node/NodeWorkerRunner",
  "effect",
  "@corun/core"
]
const body = `
const { parentPort, workerData } = require("node:worker_threads")
const t0 = performance.now()
import(workerData).then(() => parentPort.postMessage(performance.now() - t0))
`
const once = (specifier) =>
  new Promise((resolve, reject) => {
    const w = new Worker(body, { eval: true, workerData: import.meta.resolve(specifier) })
    w.once("message", (ms) => w.terminate().then(() => resolve(ms)))
    w.once("error", reject)
  })
for (const specifier of modules) {
  const times = []
  for (let i = 0; i < 5; i++) times.push(await once(specifier))
  times.sort((a, b) => a - b)
  console.log(`${specifier.padEnd(42)} ${times[2].toFixed(0).padStart(4)} ms`)
}
