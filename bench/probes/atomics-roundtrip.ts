/**
 * A probe (not a bench of record): the round trip of one number between
 * the main thread and a worker thread through a `SharedArrayBuffer`, each
 * side waking the other with `Atomics.notify` and waiting with
 * `Atomics.waitAsync` (no message), next to a bare `MessagePort` round trip
 * in the same process. Shows what the event loop's wake-up costs on its
 * own (see bench/README.md, "after the batched casts").
 *
 *   npx tsx bench/probes/atomics-roundtrip.ts
 */
import { Worker } from "node:worker_threads"

const N = Number(process.env.N ?? 20_000)

/** `Atomics.waitAsync` (ES2024), absent from the ES2022 lib the repository compiles against. */
const waitAsync = (Atomics as unknown as {
  readonly waitAsync: (
    typedArray: Int32Array,
    index: number,
    value: number
  ) => { async: false } | { async: true; value: Promise<unknown> }
}).waitAsync

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.floor(sorted.length * p)]! * 1000

const report = (name: string, times: Array<number>) => {
  times.sort((a, b) => a - b)
  console.log(`${name}: p50 ${percentile(times, 0.5).toFixed(1)} µs, p99 ${percentile(times, 0.99).toFixed(1)} µs`)
}

// `Atomics.waitAsync` does not keep an event loop alive: a timer does, on both sides.
const keepAlive = setInterval(() => {}, 1000)

const atomics = async () => {
  const h = new Int32Array(new SharedArrayBuffer(8))
  const worker = new Worker(
    `
    const { workerData } = require("node:worker_threads")
    const h = new Int32Array(workerData)
    const keepAlive = setInterval(() => {}, 1000)
    ;(async () => {
      let seen = 0
      for (;;) {
        while (Atomics.load(h, 0) === seen) {
          const wait = Atomics.waitAsync(h, 0, seen)
          if (wait.async) await wait.value
        }
        seen = Atomics.load(h, 0)
        if (seen === -1) return clearInterval(keepAlive)
        Atomics.store(h, 1, seen)
        Atomics.notify(h, 1)
      }
    })()
    `,
    { eval: true, workerData: h.buffer }
  )
  const times: Array<number> = []
  for (let i = 1; i <= N; i++) {
    const start = performance.now()
    Atomics.store(h, 0, i)
    Atomics.notify(h, 0)
    while (Atomics.load(h, 1) !== i) {
      const wait = waitAsync(h, 1, i - 1)
      if (wait.async) await wait.value
    }
    times.push(performance.now() - start)
  }
  Atomics.store(h, 0, -1)
  Atomics.notify(h, 0)
  await new Promise((resolve) => worker.once("exit", resolve))
  report("SharedArrayBuffer + Atomics.waitAsync round trip", times)
}

const messagePort = async () => {
  const worker = new Worker(
    `const { parentPort } = require("node:worker_threads")
    parentPort.on("message", (m) => (m === -1 ? parentPort.close() : parentPort.postMessage(m)))`,
    { eval: true }
  )
  const times: Array<number> = []
  for (let i = 0; i < N; i++) {
    const start = performance.now()
    await new Promise((resolve) => {
      worker.once("message", resolve)
      worker.postMessage(i)
    })
    times.push(performance.now() - start)
  }
  worker.postMessage(-1)
  await worker.terminate()
  report("MessagePort round trip", times)
}

await atomics()
await messagePort()
clearInterval(keepAlive)
