/**
 * Issue 10 benchmarks: corun's `Pipe` round trip and `ProcessQueue`
 * throughput between the parent and one process started with `Process`
 * (`runtime: "process"` and `runtime: "thread"`), side by side with the raw
 * Node channels under them and with Python's `multiprocessing.Pipe` /
 * `Queue` on the same machine, in one run.
 *
 *   pnpm bench ipc                 (or: tsx bench/ipc.bench.ts)
 *   ROUNDS=9 PYTHON=0 PHASES=pipe,queue pnpm bench ipc
 *
 * (a) Pipe round trip: the parent sends a number, the child echoes it back
 *     on the same duplex pipe; `LAT_N` = 10,000 sequential round trips after
 *     1,000 warm-up ones; p50 / p99 µs per sample. Raw baselines: a child
 *     process echoing over Node's IPC (`child_process.fork`, "advanced"
 *     serialization, `process.send` / `on("message")`) and a worker thread
 *     echoing over `parentPort` (a `MessageChannel`'s port), both
 *     `bench/ipc/raw-child.mjs`; Python: `Pipe()` and an echoing `Process`.
 * (b) Queue throughput: the child puts 1,000 warm-up items, waits for a "go"
 *     item, then puts N = 20,000 small items (numbers); the parent gets them
 *     all, timed from "go" to the last item; items/s. Raw baselines: the
 *     child `process.send`s (the thread `postMessage`s) N numbers and the
 *     parent counts them; Python: `Queue()` and a producer `Process`.
 *
 * Each sample starts its process, warms up, measures, and ends it (process
 * start-up is not timed). Contenders run interleaved (A B C …, A B C …) for
 * `ROUNDS` rounds, Python as one more contender of each round (one
 * `python3 bench/ipc/python_ipc.py` run per round; skipped when `python3` is
 * missing or `PYTHON=0`). The report gives medians and the medians of the
 * per-round ratios corun ÷ raw (same runtime) and corun ÷ Python. Every
 * sample checks its results (each echoed value; the count and sum of the
 * items), so nothing silently measures nothing.
 */
import { Pipe, Process, ProcessQueue } from "@corun/node"
import { Effect, Option, Schema } from "effect"
import { type ChildProcess, fork, spawnSync } from "node:child_process"
import { availableParallelism } from "node:os"
import { fileURLToPath } from "node:url"
import { Worker } from "node:worker_threads"
import * as Bundle from "../packages/node/src/internal/bundle.ts"
import { echo, produce } from "./ipc/tasks.ts"
import { gc, load, machine, markdownTable, median, quantile, ratio, revision } from "./lib/stats.ts"
import { runOnPlainNode } from "./pool/plain-node.ts"

const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? 7))
const LAT_N = Number(process.env.LAT_N ?? 10_000)
const LAT_WARMUP = 1_000
const N = Number(process.env.N ?? 20_000)
const WARMUP = 1_000
const PHASES = (process.env.PHASES ?? "pipe,queue").split(",")
const TARGET = 1.5

const tasks = new URL("./ipc/tasks.ts", import.meta.url)
const rawChild = new URL("./ipc/raw-child.mjs", import.meta.url)
const pythonScript = fileURLToPath(new URL("./ipc/python_ipc.py", import.meta.url))

const verify = (what: string, got: unknown, expected: unknown) => {
  if (got !== expected) throw new Error(`${what}: got ${got}, expected ${expected}: the bench measured the wrong thing`)
}
const SUM = (N * (N - 1)) / 2

type Runtime = "process" | "thread"

interface Contender<R> {
  readonly name: string
  readonly code: string
  readonly kind: "corun" | "raw" | "python"
  readonly runtime: Runtime
  readonly sample: () => Promise<R>
}

// -----------------------------------------------------------------------------
// The raw channels: a forked child process or a worker thread running raw-child.mjs
// -----------------------------------------------------------------------------

interface RawPeer {
  readonly send: (value: unknown) => void
  readonly onMessage: (f: (value: unknown) => void) => void
  readonly end: () => Promise<void>
}

const rawPeer = (runtime: Runtime): Promise<RawPeer> =>
  new Promise((resolve, reject) => {
    if (runtime === "process") {
      // No tsx (nor any other flag) in the child: it is plain JavaScript.
      const child: ChildProcess = fork(fileURLToPath(rawChild), [], { serialization: "advanced", execArgv: [] })
      child.once("error", reject)
      child.once("spawn", () =>
        resolve({
          send: (value) => child.send(value as never),
          onMessage: (f) => child.on("message", f),
          end: () =>
            new Promise<void>((done) => {
              child.once("exit", (code) => {
                verify("raw child exit code", code, 0)
                done()
              })
              child.send(-1)
            })
        }))
    } else {
      const worker = new Worker(rawChild, { execArgv: [] })
      worker.once("error", reject)
      worker.once("online", () =>
        resolve({
          send: (value) => worker.postMessage(value),
          onMessage: (f) => worker.on("message", f),
          end: () =>
            new Promise<void>((done) => {
              worker.once("exit", () => done())
              worker.postMessage(-1)
            })
        }))
    }
  })

// -----------------------------------------------------------------------------
// (a) Pipe round trip
// -----------------------------------------------------------------------------

interface Latency {
  readonly p50: number
  readonly p99: number
  /** This process's CPU (all its threads: a thread runtime's worker included) per round trip, µs. */
  readonly cpu: number
}

const cpuNow = () => {
  const { system, user } = process.cpuUsage()
  return user + system
}

const latencyOf = (samples: Array<number>, cpuMicros: number): Latency => ({
  p50: quantile(samples, 0.5),
  p99: quantile(samples, 0.99),
  cpu: cpuMicros / samples.length
})

const corunPipe = (runtime: Runtime) => (): Promise<Latency> =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const [parent, child] = yield* Pipe.make(Schema.Number)
    const p = yield* Process.make({ tasks, target: echo, args: child, runtime })
    yield* p.start
    for (let i = 0; i < LAT_WARMUP; i++) {
      yield* parent.send(i)
      verify("corun warm-up echo", yield* parent.recv(), i)
    }
    gc()
    const samples: Array<number> = new Array(LAT_N)
    const cpu = cpuNow()
    for (let i = 0; i < LAT_N; i++) {
      const start = performance.now()
      yield* parent.send(i)
      const got = yield* parent.recv()
      samples[i] = (performance.now() - start) * 1000
      if (got !== i) verify("corun echo", got, i)
    }
    const result = latencyOf(samples, cpuNow() - cpu)
    yield* parent.send(-1)
    yield* p.join()
    verify("corun echo exit code", Option.getOrUndefined(yield* p.exitCode), 0)
    return result
  })))

const rawPipe = (runtime: Runtime) => async (): Promise<Latency> => {
  const peer = await rawPeer(runtime)
  let pending: ((value: unknown) => void) | undefined
  peer.onMessage((value) => {
    const resume = pending!
    pending = undefined
    resume(value)
  })
  const roundTrip = (i: number) =>
    new Promise<unknown>((resolve) => {
      pending = resolve
      peer.send(i)
    })
  for (let i = 0; i < LAT_WARMUP; i++) verify("raw warm-up echo", await roundTrip(i), i)
  gc()
  const samples: Array<number> = new Array(LAT_N)
  const cpu = cpuNow()
  for (let i = 0; i < LAT_N; i++) {
    const start = performance.now()
    const got = await roundTrip(i)
    samples[i] = (performance.now() - start) * 1000
    if (got !== i) verify("raw echo", got, i)
  }
  const result = latencyOf(samples, cpuNow() - cpu)
  await peer.end()
  return result
}

// -----------------------------------------------------------------------------
// (b) Queue throughput
// -----------------------------------------------------------------------------

const corunQueue = (runtime: Runtime) => (): Promise<number> =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const q = yield* ProcessQueue.make(Schema.Number)
    const go = yield* ProcessQueue.make(Schema.Number)
    const p = yield* Process.make({ tasks, target: produce, args: { q, go, warmup: WARMUP, count: N }, runtime })
    yield* p.start
    for (let i = 0; i < WARMUP; i++) verify("corun warm-up item", yield* q.get(), i)
    gc()
    const start = performance.now()
    yield* go.put(1)
    let total = 0
    for (let i = 0; i < N; i++) total += yield* q.get()
    const elapsed = performance.now() - start
    verify("corun sum of the items", total, SUM)
    yield* p.join()
    verify("corun producer exit code", Option.getOrUndefined(yield* p.exitCode), 0)
    return (N * 1000) / elapsed
  })))

const rawQueue = (runtime: Runtime) => async (): Promise<number> => {
  const peer = await rawPeer(runtime)
  let warm = 0
  let count = 0
  let total = 0
  let start = 0
  let warmed: () => void = () => {}
  let finished: (elapsed: number) => void = () => {}
  peer.onMessage((value) => {
    if (warm < WARMUP) {
      if (++warm === WARMUP) warmed()
      return
    }
    total += value as number
    if (++count === N) finished(performance.now() - start)
  })
  const ready = new Promise<void>((resolve) => (warmed = resolve))
  const done = new Promise<number>((resolve) => (finished = resolve))
  peer.send({ produce: N, warmup: WARMUP })
  await ready
  gc()
  start = performance.now()
  peer.send("go")
  const elapsed = await done
  verify("raw count", count, N)
  verify("raw sum of the items", total, SUM)
  await peer.end()
  return (N * 1000) / elapsed
}

// -----------------------------------------------------------------------------
// Python: one run of python_ipc.py per sample
// -----------------------------------------------------------------------------

const pythonSkipped = process.env.PYTHON === "0"
  ? "skipped (PYTHON=0)"
  : (() => {
    const probe = spawnSync("python3", ["--version"], { encoding: "utf8" })
    return probe.error !== undefined || probe.status !== 0
      ? `skipped (python3: ${probe.error?.message ?? `exit ${probe.status}`})`
      : undefined
  })()
let pythonVersion = ""

const python = <R>(phase: "pipe" | "queue", read: (json: any) => R) => async (): Promise<R> => {
  const result = spawnSync("python3", [pythonScript, phase], {
    encoding: "utf8",
    env: { ...process.env, N: String(N), WARMUP: String(WARMUP), LAT_N: String(LAT_N), LAT_WARMUP: String(LAT_WARMUP) },
    stdio: ["ignore", "pipe", "inherit"]
  })
  if (result.status !== 0) throw new Error(`python_ipc.py ${phase} exited with ${result.status ?? result.signal}`)
  const json = JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "")
  pythonVersion = `Python ${json.python} (start method \`${json.start_method}\`)`
  return read(json)
}

// -----------------------------------------------------------------------------
// Contenders, rounds, report
// -----------------------------------------------------------------------------

const pipeContenders: ReadonlyArray<Contender<Latency>> = [
  {
    name: "corun Pipe, process",
    code: "parent.send(i); parent.recv() ⇄ child: conn.send(yield* conn.recv())",
    kind: "corun",
    runtime: "process",
    sample: corunPipe("process")
  },
  {
    name: "raw IPC, process",
    code: "child.send(i) ⇄ process.on(\"message\", (m) => process.send(m))",
    kind: "raw",
    runtime: "process",
    sample: rawPipe("process")
  },
  {
    name: "corun Pipe, thread",
    code: "as corun Pipe, runtime: \"thread\"",
    kind: "corun",
    runtime: "thread",
    sample: corunPipe("thread")
  },
  {
    name: "raw MessagePort, thread",
    code: "worker.postMessage(i) ⇄ parentPort.on(\"message\", (m) => parentPort.postMessage(m))",
    kind: "raw",
    runtime: "thread",
    sample: rawPipe("thread")
  },
  ...(pythonSkipped === undefined
    ? [{
      name: "Python multiprocessing.Pipe",
      code: "parent_conn.send(i); parent_conn.recv() ⇄ conn.send(conn.recv())",
      kind: "python" as const,
      runtime: "process" as const,
      sample: python("pipe", (json): Latency => ({ p50: json.p50, p99: json.p99, cpu: NaN }))
    }]
    : [])
]

const queueContenders: ReadonlyArray<Contender<number>> = [
  {
    name: "corun ProcessQueue, process",
    code: "child: q.put(i) ×N; parent: q.get() ×N",
    kind: "corun",
    runtime: "process",
    sample: corunQueue("process")
  },
  {
    name: "raw IPC, process",
    code: "child: process.send(i) ×N; parent: on(\"message\") counts",
    kind: "raw",
    runtime: "process",
    sample: rawQueue("process")
  },
  {
    name: "corun ProcessQueue, thread",
    code: "as corun ProcessQueue, runtime: \"thread\"",
    kind: "corun",
    runtime: "thread",
    sample: corunQueue("thread")
  },
  {
    name: "raw MessagePort, thread",
    code: "thread: parentPort.postMessage(i) ×N; parent: on(\"message\") counts",
    kind: "raw",
    runtime: "thread",
    sample: rawQueue("thread")
  },
  ...(pythonSkipped === undefined
    ? [{
      name: "Python multiprocessing.Queue",
      code: "child: q.put(i) ×N; parent: q.get() ×N",
      kind: "python" as const,
      runtime: "process" as const,
      sample: python("queue", (json): number => json.itemsPerSecond)
    }]
    : [])
]

const runRounds = async <R>(
  title: string,
  contenders: ReadonlyArray<Contender<R>>,
  show: (r: R) => string
): Promise<Map<Contender<R>, Array<R>>> => {
  const results = new Map<Contender<R>, Array<R>>(contenders.map((c) => [c, []]))
  for (let round = 0; round < ROUNDS; round++) {
    const line: Array<string> = []
    for (const contender of contenders) {
      const r = await contender.sample()
      results.get(contender)!.push(r)
      line.push(show(r))
    }
    console.log(`${title} round ${round + 1}: ${line.join("  ")}`)
  }
  return results
}

const kps = (perSecond: number) => `${(perSecond / 1000).toFixed(1)}k`
const verdictLine = (name: string, value: string, target: string, met: boolean) =>
  `- ${name}: **${value}**; target ${target}: **${met ? "met" : "MISSED"}**`

/** Per-round ratios of `c` over `base` (each pair measured in the same round). */
const perRound = <R>(results: Map<Contender<R>, Array<R>>, c: Contender<R>, base: Contender<R>, f: (r: R) => number) =>
  results.get(c)!.map((r, i) => f(r) / f(results.get(base)![i]))

const main = async () => {
  const loadBefore = load()
  const corunRevision = revision(["packages/node/src", "packages/core/src"])
  console.log(
    `ipc: ${ROUNDS} interleaved rounds; ${LAT_N} round trips (after ${LAT_WARMUP}); N = ${N} items (after ${WARMUP}); Python ${
      pythonSkipped ?? "on"
    }`
  )
  console.log(`${machine()}, corun ${corunRevision}, load ${loadBefore}`)
  const bundle = await Bundle.prepare(tasks.href)
  console.log(`corun bundle: ${bundle ?? "none (plain ES modules)"}`)
  const report: Array<string> = []
  const context = () =>
    `${machine()} (${availableParallelism()} available); corun ${corunRevision}; load average ${loadBefore} at start, ${load()} now (2 cores: above ~1 means other work competed); ${ROUNDS} interleaved rounds, medians.`
  const pythonNote = () => pythonSkipped === undefined ? `Python: ${pythonVersion}.` : `Python: ${pythonSkipped}.`

  if (PHASES.includes("pipe")) {
    const results = await runRounds("pipe", pipeContenders, (l) => `${l.p50.toFixed(0)}/${l.p99.toFixed(0)}µs`)
    const p50 = (l: Latency) => l.p50
    const raw = (runtime: Runtime) => pipeContenders.find((c) => c.kind === "raw" && c.runtime === runtime)!
    const py = pipeContenders.find((c) => c.kind === "python")
    report.push(
      "",
      `### (a) Pipe round trip: ${LAT_N.toLocaleString("en")} sequential round trips (after ${
        LAT_WARMUP.toLocaleString("en")
      })`,
      ""
    )
    report.push(context(), pythonNote(), "")
    report.push(markdownTable(
      [
        "contender",
        "code",
        "p50 µs",
        "p99 µs",
        "p50 ÷ raw, same runtime (per-round median)",
        "p50 ÷ Python (per-round median)",
        "this process's CPU µs / trip"
      ],
      pipeContenders.map((c) => {
        const rs = results.get(c)!
        return [
          c.name,
          `\`${c.code}\``,
          median(rs.map(p50)).toFixed(1),
          median(rs.map((l) => l.p99)).toFixed(1),
          c.kind === "python" ? "–" : ratio(median(perRound(results, c, raw(c.runtime), p50))),
          py === undefined ? "–" : ratio(median(perRound(results, c, py, p50))),
          c.kind === "python" ? "–" : median(rs.map((l) => l.cpu)).toFixed(1)
        ]
      })
    ))
    report.push("")
    for (const c of pipeContenders.filter((c) => c.kind === "corun")) {
      const vsRaw = median(perRound(results, c, raw(c.runtime), p50))
      report.push(
        verdictLine(`${c.name} p50 ÷ ${raw(c.runtime).name} p50`, ratio(vsRaw), `≤ ${TARGET}×`, vsRaw <= TARGET)
      )
      if (py !== undefined) {
        const vsPy = median(perRound(results, c, py, p50))
        report.push(verdictLine(`${c.name} p50 ÷ Python Pipe p50`, ratio(vsPy), "< 1.00× (ahead)", vsPy < 1))
      }
    }
  }

  if (PHASES.includes("queue")) {
    const results = await runRounds("queue", queueContenders, (r) => `${kps(r)}/s`)
    const id = (r: number) => r
    const raw = (runtime: Runtime) => queueContenders.find((c) => c.kind === "raw" && c.runtime === runtime)!
    const py = queueContenders.find((c) => c.kind === "python")
    report.push(
      "",
      `### (b) Queue throughput: the child puts ${N.toLocaleString("en")} numbers, the parent gets them all`,
      ""
    )
    report.push(context(), pythonNote(), "")
    report.push(markdownTable(
      [
        "contender",
        "code",
        "items/s (median)",
        "p25–p75",
        "÷ raw, same runtime (per-round median)",
        "÷ Python (per-round median)"
      ],
      queueContenders.map((c) => {
        const rs = results.get(c)!
        return [
          c.name,
          `\`${c.code}\``,
          kps(median(rs)),
          `${kps(quantile(rs, 0.25))}–${kps(quantile(rs, 0.75))}`,
          c.kind === "python" ? "–" : ratio(median(perRound(results, c, raw(c.runtime), id))),
          py === undefined ? "–" : ratio(median(perRound(results, c, py, id)))
        ]
      })
    ))
    report.push("")
    for (const c of queueContenders.filter((c) => c.kind === "corun")) {
      const vsRaw = median(perRound(results, c, raw(c.runtime), id))
      report.push(
        verdictLine(`${c.name} ÷ ${raw(c.runtime).name}`, ratio(vsRaw), `≥ ${ratio(1 / TARGET)}`, vsRaw >= 1 / TARGET)
      )
      if (py !== undefined) {
        const vsPy = median(perRound(results, c, py, id))
        report.push(verdictLine(`${c.name} ÷ Python Queue`, ratio(vsPy), "> 1.00× (ahead)", vsPy > 1))
      }
    }
  }

  console.log(report.join("\n"))
}

await runOnPlainNode(import.meta.url, main)
