/**
 * Issue 4 benchmarks: corun's worker pool (`NodePool`, 2 workers) side by
 * side with Piscina 5, Tinypool 2 and workerpool 10 (2 worker threads each),
 * in one run, plus Python's `multiprocessing.Pool(2)` and
 * `ProcessPoolExecutor(2)` on the same workloads (`bench/pool/python_pool.py`,
 * run as a child process; skipped when `python3` is missing).
 *
 *   pnpm bench pool                   (or: tsx bench/pool.bench.ts)
 *   ROUNDS=7 PHASES=throughput,latency,cpu PYTHON=0 pnpm bench pool
 *
 * (a) throughput: N = 100,000 no-op tasks submitted at once, then every
 *     result awaited, in tasks/s. corun is measured the ways a user writes
 *     it: `Effect.forEach(inputs, (i) => pool.apply(noop, i), { concurrency:
 *     "unbounded" })` (the per-task API, compared with the peers' per-task
 *     `run` / `exec`: this is the row the target applies to),
 *     `pool.applyAsync` ×N then `Future.join` each, `pool.map(noop, inputs)`
 *     (Python's default chunksize, ⌈N / (4 × workers)⌉: a batch API, shown
 *     for reference) and `pool.map` with `chunksize: 1`; the process runtime
 *     is a reference row.
 * (b) latency: 10,000 sequential round trips (one task at a time, awaited)
 *     after 1,000 warm-up ones; p50 / p99 per round, medians over rounds.
 * (c) CPU: the sum of 1..100,000,000 in 8 slices. The single-thread time is
 *     measured in the main thread just before each pool sample, and each
 *     speedup is that single time over the pool time: warm (the pool started
 *     and ran the 8 slices once before timing) and cold (pool creation
 *     included; its destruction is not). On 2 cores the limit is 2.0.
 * (d) start-up: from creating a pool to both workers ready (corun:
 *     `pool.awaitReady`; Piscina: both threads' ready message, sent
 *     once they have loaded the worker module), corun's workers from the
 *     tasks module's bundle (`internal/bundle`, built before the rounds if
 *     not cached, as a previous run leaves it) and, for reference, on plain
 *     ES modules (`CORUN_BUNDLE=0`) and as child processes.
 *
 * The bench runs on Node's own type stripping (it re-runs itself without
 * tsx when started under tsx, as `pnpm bench` does), so no contender's
 * worker threads load tsx.
 *
 * Each sample creates its pool, warms it, measures, and destroys it, so no
 * contender's idle threads sit beside another's. Contenders run interleaved
 * (A B C …, A B C …) for `ROUNDS` rounds; the report gives medians and the
 * median of per-round ratios (each pair measured back to back, which cancels
 * most of the noise of the shared machine). Every sample checks its results
 * (sums and counts), so nothing silently measures nothing.
 */
import { Future, Pool } from "@corun/core"
import { NodePool } from "@corun/node"
import { Effect } from "effect"
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { availableParallelism } from "node:os"
import { Piscina } from "piscina"
import { Tinypool } from "tinypool"
import workerpool from "workerpool"
import * as Bundle from "../packages/node/src/internal/bundle.ts"
import { gc, load, machine, markdownTable, median, ms, quantile, ratio, revision } from "./lib/stats.ts"
import { runOnPlainNode } from "./pool/plain-node.ts"
import { noop, sum } from "./pool/tasks.ts"

const N = Number(process.env.N ?? 100_000)
const LAT_N = Number(process.env.LAT_N ?? 10_000)
const LAT_WARMUP = 1_000
const WARMUP_TASKS = 2_000
const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? 5))
// Latency samples are short and their medians swing with where the OS puts
// the threads (same core or not): three times as many rounds.
const LAT_ROUNDS = Math.max(1, Number(process.env.LAT_ROUNDS ?? 3 * ROUNDS))
// CPU samples are bimodal on a shared 2-core machine (another program on one
// core halves a pool's speed): twice as many rounds, and the report also
// gives the medians of the undisturbed samples (see `foreignLoad`).
const CPU_ROUNDS = Math.max(1, Number(process.env.CPU_ROUNDS ?? 2 * ROUNDS))
/** Cores' worth of other programs' CPU during a sample above which it counts as disturbed. */
const DISTURBED = Number(process.env.DISTURBED ?? 0.25)
const PHASES = (process.env.PHASES ?? "throughput,latency,cpu,startup").split(",")
// Start-up samples are short: three times as many rounds.
const STARTUP_ROUNDS = Math.max(1, Number(process.env.STARTUP_ROUNDS ?? 3 * ROUNDS))
const FORCE_GC = process.env.GC === "1"
const SIZE = 2

const TOTAL = 100_000_000
const SLICES = Array.from({ length: 8 }, (_, k) => ({ from: 1 + k * (TOTAL / 8), to: 1 + (k + 1) * (TOTAL / 8) }))
const SUM_EXPECTED = (TOTAL * (TOTAL + 1)) / 2

const inputs: ReadonlyArray<number> = Array.from({ length: N }, (_, i) => i)
const NOOP_EXPECTED = (N * (N - 1)) / 2
const warmInputs: ReadonlyArray<number> = Array.from({ length: WARMUP_TASKS }, (_, i) => i)

const peerWorker = new URL("./pool/peer-worker.mjs", import.meta.url)
const workerpoolWorker = new URL("./pool/workerpool-worker.mjs", import.meta.url)
const corunTasks = new URL("./pool/tasks.ts", import.meta.url)

const addUp = (values: ReadonlyArray<number>): number => {
  let total = 0
  for (let i = 0; i < values.length; i++) total += values[i]
  return total
}
const verify = (what: string, got: number, expected: number) => {
  if (got !== expected) throw new Error(`${what}: got ${got}, expected ${expected}: the bench measured the wrong thing`)
}
const sumRange = (from: number, to: number): number => {
  let total = 0
  for (let n = from; n < to; n++) total += n
  return total
}

// -----------------------------------------------------------------------------
// The peers: one shape for all three
// -----------------------------------------------------------------------------

interface PeerPool {
  readonly noop: (i: number) => Promise<number>
  readonly sum: (slice: { from: number; to: number }) => Promise<number>
  readonly destroy: () => Promise<void>
}

interface Peer {
  readonly name: string
  readonly code: string
  readonly make: () => PeerPool
}

const peers: ReadonlyArray<Peer> = [
  {
    name: "piscina 5",
    code: "piscina.run(i)",
    make: () => {
      const pool = new Piscina({ filename: peerWorker.href, minThreads: SIZE, maxThreads: SIZE })
      return {
        noop: (i) => pool.run(i),
        sum: (slice) => pool.run(slice, { name: "sum" }),
        destroy: () => pool.destroy()
      }
    }
  },
  {
    name: "tinypool 2",
    code: "tinypool.run(i)",
    make: () => {
      const pool = new Tinypool({ filename: peerWorker.href, minThreads: SIZE, maxThreads: SIZE })
      return {
        noop: (i) => pool.run(i),
        sum: (slice) => pool.run(slice, { name: "sum" }),
        destroy: () => pool.destroy()
      }
    }
  },
  {
    name: "workerpool 10",
    code: "pool.exec(\"noop\", [i])",
    make: () => {
      const pool = workerpool.pool(workerpoolWorker.pathname, {
        minWorkers: SIZE,
        maxWorkers: SIZE,
        workerType: "thread"
      })
      return {
        noop: (i) => pool.exec("noop", [i]) as unknown as Promise<number>,
        sum: (slice) => pool.exec("sum", [slice]) as unknown as Promise<number>,
        destroy: async () => {
          await pool.terminate()
        }
      }
    }
  }
]

// -----------------------------------------------------------------------------
// Contenders of each phase
// -----------------------------------------------------------------------------

interface Contender<R> {
  readonly name: string
  readonly code: string
  readonly reference?: boolean
  readonly sample: () => Promise<R>
}

const corunPool = <A>(
  runtime: "thread" | "process",
  body: (pool: Pool.PoolService) => Effect.Effect<A, unknown>
): Promise<A> =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const pool = yield* NodePool.make({ tasks: corunTasks, size: SIZE, runtime })
    yield* pool.awaitReady
    return yield* body(pool)
  })))

// (a) throughput: tasks/s ------------------------------------------------------

const corunThroughput = (
  runtime: "thread" | "process",
  run: (pool: Pool.PoolService) => Effect.Effect<ReadonlyArray<number>, unknown>
) =>
() =>
  corunPool(runtime, (pool) =>
    Effect.gen(function*() {
      yield* Effect.forEach(warmInputs, (i) => pool.apply(noop, i), { concurrency: "unbounded", discard: true })
      if (FORCE_GC) gc()
      const start = performance.now()
      const results = yield* run(pool)
      const elapsed = performance.now() - start
      verify("corun throughput", addUp(results), NOOP_EXPECTED)
      return (N * 1000) / elapsed
    }))

const peerThroughput = (peer: Peer) => async () => {
  const pool = peer.make()
  try {
    await Promise.all(warmInputs.map(pool.noop))
    if (FORCE_GC) gc()
    const start = performance.now()
    const results = await Promise.all(inputs.map(pool.noop))
    const elapsed = performance.now() - start
    verify(`${peer.name} throughput`, addUp(results), NOOP_EXPECTED)
    return (N * 1000) / elapsed
  } finally {
    await pool.destroy()
  }
}

const applyEach = (pool: Pool.PoolService) =>
  Effect.forEach(inputs, (i) => pool.apply(noop, i), { concurrency: "unbounded" })

const throughputContenders: ReadonlyArray<Contender<number>> = [
  {
    name: "corun apply",
    code: "Effect.forEach(inputs, (i) => pool.apply(noop, i), { concurrency: \"unbounded\" })",
    sample: corunThroughput("thread", applyEach)
  },
  {
    name: "corun applyAsync",
    code: "applyAsync ×N, then Future.join each",
    sample: corunThroughput("thread", (pool) =>
      Effect.gen(function*() {
        const futures: Array<Future.Future<number, unknown>> = new Array(N)
        for (let i = 0; i < N; i++) futures[i] = yield* pool.applyAsync(noop, inputs[i])
        const results: Array<number> = new Array(N)
        for (let i = 0; i < N; i++) results[i] = yield* Future.join(futures[i])
        return results
      }))
  },
  ...peers.map((peer): Contender<number> => ({
    name: peer.name,
    code: `Promise.all(inputs.map((i) => ${peer.code}))`,
    sample: peerThroughput(peer)
  })),
  {
    name: "corun map",
    code: "pool.map(noop, inputs) (chunksize ⌈N/8⌉)",
    reference: true,
    sample: corunThroughput("thread", (pool) => pool.map(noop, inputs))
  },
  {
    name: "corun map chunksize 1",
    code: "pool.map(noop, inputs, { chunksize: 1 })",
    reference: true,
    sample: corunThroughput("thread", (pool) => pool.map(noop, inputs, { chunksize: 1 }))
  },
  {
    name: "corun apply, process runtime",
    code: "as corun apply, runtime: \"process\"",
    reference: true,
    sample: corunThroughput("process", applyEach)
  }
]

// (b) latency: µs per sequential round trip --------------------------------------

interface Latency {
  readonly p50: number
  readonly p99: number
  /** CPU time of the main thread per round trip, µs: less sensitive to scheduling than the wall clock. */
  readonly cpu: number
}
const threadCpu = () => {
  const { system, user } = process.threadCpuUsage()
  return user + system
}
const latencyOf = (samples: Array<number>, cpuMicros: number): Latency => ({
  p50: quantile(samples, 0.5),
  p99: quantile(samples, 0.99),
  cpu: cpuMicros / samples.length
})

const corunLatency = (runtime: "thread" | "process") => () =>
  corunPool(runtime, (pool) =>
    Effect.gen(function*() {
      for (let i = 0; i < LAT_WARMUP; i++) yield* pool.apply(noop, i)
      if (FORCE_GC) gc()
      const samples: Array<number> = new Array(LAT_N)
      const cpu = threadCpu()
      for (let i = 0; i < LAT_N; i++) {
        const start = performance.now()
        const result = yield* pool.apply(noop, i)
        samples[i] = (performance.now() - start) * 1000
        if (result !== i) verify("corun latency", result, i)
      }
      return latencyOf(samples, threadCpu() - cpu)
    }))

const peerLatency = (peer: Peer) => async () => {
  const pool = peer.make()
  try {
    for (let i = 0; i < LAT_WARMUP; i++) await pool.noop(i)
    if (FORCE_GC) gc()
    const samples: Array<number> = new Array(LAT_N)
    const cpu = threadCpu()
    for (let i = 0; i < LAT_N; i++) {
      const start = performance.now()
      const result = await pool.noop(i)
      samples[i] = (performance.now() - start) * 1000
      if (result !== i) verify(`${peer.name} latency`, result, i)
    }
    return latencyOf(samples, threadCpu() - cpu)
  } finally {
    await pool.destroy()
  }
}

const latencyContenders: ReadonlyArray<Contender<Latency>> = [
  { name: "corun apply", code: "for (…) yield* pool.apply(noop, i)", sample: corunLatency("thread") },
  ...peers.map((peer): Contender<Latency> => ({
    name: peer.name,
    code: `for (…) await ${peer.code}`,
    sample: peerLatency(peer)
  })),
  {
    name: "corun apply, process runtime",
    code: "as corun apply, runtime: \"process\"",
    reference: true,
    sample: corunLatency("process")
  }
]

// (c) CPU: the 8-slice sum ------------------------------------------------------

interface Cpu {
  readonly single: number
  readonly pool: number
  /** Other programs' CPU during the sample, in cores (NaN when unknown). */
  readonly foreign: number
}

/**
 * A probe of the CPU that other programs used between `start()` and `stop()`:
 * all cores' busy time (`/proc/stat`) minus this process's own (its worker
 * threads included), over the wall time, in cores. NaN off Linux.
 */
const foreignLoad = () => {
  const busy = (): number => {
    try {
      const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/).slice(1).map(Number)
      // user nice system idle iowait irq softirq steal: busy = all but idle and iowait; USER_HZ = 100
      return (fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7]) * 10
    } catch {
      return NaN
    }
  }
  const own = () => {
    const { system, user } = process.cpuUsage()
    return (user + system) / 1000
  }
  const busy0 = busy()
  const own0 = own()
  const wall0 = performance.now()
  return () => Math.max(0, (busy() - busy0 - (own() - own0)) / (performance.now() - wall0))
}

/** The single-thread time, measured just before a pool sample. */
const single = (): number => {
  const start = performance.now()
  const total = sumRange(1, TOTAL + 1)
  const elapsed = performance.now() - start
  verify("single-thread sum", total, SUM_EXPECTED)
  return elapsed
}

const corunSlices = (pool: Pool.PoolService) =>
  Effect.map(pool.map(sum, SLICES), (parts) => verify("corun 8-slice sum", addUp(parts), SUM_EXPECTED))

const corunCpu = (runtime: "thread" | "process", cold: boolean) => async (): Promise<Cpu> => {
  if (FORCE_GC) gc()
  if (cold) {
    let elapsed = 0
    let foreign = NaN
    let alone = 0
    await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const probe = foreignLoad()
      alone = single()
      const start = performance.now()
      const pool = yield* NodePool.make({ tasks: corunTasks, size: SIZE, runtime })
      yield* corunSlices(pool)
      elapsed = performance.now() - start
      foreign = runtime === "process" ? NaN : probe() // child processes' CPU is not this process's: unknown
    })))
    return { single: alone, pool: elapsed, foreign }
  }
  return corunPool(runtime, (pool) =>
    Effect.gen(function*() {
      yield* corunSlices(pool) // warm-up: threads up, loop compiled
      const probe = foreignLoad()
      const alone = single()
      const start = performance.now()
      yield* corunSlices(pool)
      const elapsed = performance.now() - start
      return { single: alone, pool: elapsed, foreign: runtime === "process" ? NaN : probe() }
    }))
}

const peerSlices = async (peer: Peer, pool: PeerPool) =>
  verify(`${peer.name} 8-slice sum`, addUp(await Promise.all(SLICES.map(pool.sum))), SUM_EXPECTED)

const peerCpu = (peer: Peer, cold: boolean) => async (): Promise<Cpu> => {
  if (FORCE_GC) gc()
  if (cold) {
    const probe = foreignLoad()
    const alone = single()
    const start = performance.now()
    const pool = peer.make()
    try {
      await peerSlices(peer, pool)
      const elapsed = performance.now() - start
      return { single: alone, pool: elapsed, foreign: probe() }
    } finally {
      await pool.destroy()
    }
  }
  const pool = peer.make()
  try {
    await peerSlices(peer, pool) // warm-up: threads up, loop compiled
    const probe = foreignLoad()
    const alone = single()
    const start = performance.now()
    await peerSlices(peer, pool)
    const elapsed = performance.now() - start
    return { single: alone, pool: elapsed, foreign: probe() }
  } finally {
    await pool.destroy()
  }
}

const cpuContenders = (cold: boolean): ReadonlyArray<Contender<Cpu>> => [
  { name: "corun map", code: "pool.map(sum, slices)", sample: corunCpu("thread", cold) },
  ...peers.map((peer): Contender<Cpu> => ({
    name: peer.name,
    code: `Promise.all(slices.map((s) => ${peer.name.split(" ")[0]}…sum(s)))`,
    sample: peerCpu(peer, cold)
  })),
  {
    name: "corun map, process runtime",
    code: "as corun map, runtime: \"process\"",
    reference: true,
    sample: corunCpu("process", cold)
  }
]

// -----------------------------------------------------------------------------
// Running and reporting
// -----------------------------------------------------------------------------

// (d) start-up: pool creation → both workers ready, ms ------------------------

const corunReady = (runtime: "thread" | "process", bundled: boolean) => async (): Promise<number> => {
  if (!bundled) process.env.CORUN_BUNDLE = "0"
  try {
    return await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const start = performance.now()
      const pool = yield* NodePool.make({ tasks: corunTasks, size: SIZE, runtime })
      yield* pool.awaitReady
      const elapsed = performance.now() - start
      verify("corun start-up", yield* pool.apply(noop, 7), 7)
      return elapsed
    })))
  } finally {
    delete process.env.CORUN_BUNDLE
  }
}

const piscinaReady = async (): Promise<number> => {
  const start = performance.now()
  const pool = new Piscina({ filename: peerWorker.href, minThreads: SIZE, maxThreads: SIZE })
  try {
    // A Piscina thread posts `{ _WORKER_READY: true }` once it has loaded the worker module.
    await Promise.all(pool.threads.map((thread) =>
      new Promise<void>((resolve) => {
        const onMessage = (message: unknown) => {
          if (typeof message === "object" && message !== null && "_WORKER_READY" in message) {
            thread.off("message", onMessage)
            resolve()
          }
        }
        thread.on("message", onMessage)
      })
    ))
    const elapsed = performance.now() - start
    verify("piscina start-up", await pool.run(7), 7)
    return elapsed
  } finally {
    await pool.destroy()
  }
}

const startupContenders: ReadonlyArray<Contender<number>> = [
  { name: "corun", code: "NodePool.make + pool.awaitReady (bundled)", sample: corunReady("thread", true) },
  { name: "Piscina 5", code: "new Piscina(…), both threads' ready message", sample: piscinaReady },
  {
    name: "corun, CORUN_BUNDLE=0",
    code: "as corun, plain ES modules",
    reference: true,
    sample: corunReady("thread", false)
  },
  {
    name: "corun, process runtime",
    code: "as corun, `runtime: \"process\"` (bundled)",
    reference: true,
    sample: corunReady("process", true)
  },
  {
    name: "corun, process runtime, CORUN_BUNDLE=0",
    code: "as corun, `runtime: \"process\"`, plain ES modules",
    reference: true,
    sample: corunReady("process", false)
  }
]

const runRounds = async <R>(
  title: string,
  contenders: ReadonlyArray<Contender<R>>,
  show: (r: R) => string,
  rounds = ROUNDS
): Promise<Map<Contender<R>, Array<R>>> => {
  const results = new Map<Contender<R>, Array<R>>(contenders.map((c) => [c, []]))
  for (let round = 0; round < rounds; round++) {
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

const label = (c: Contender<unknown>) => c.reference === true ? `*${c.name}* (reference)` : c.name
const kps = (tasksPerSecond: number) => `${(tasksPerSecond / 1000).toFixed(1)}k`
const verdictLine = (name: string, value: string, target: string, met: boolean) =>
  `- ${name}: **${value}**; target ${target}: **${met ? "met" : "MISSED"}**`

interface PythonResult {
  readonly python: string
  readonly start_method: string
  readonly rounds: number
  readonly throughput: Record<string, number>
  readonly latency: Record<string, { p50: number; p99: number }>
  readonly cpu: Record<string, { time: number; speedup: number }>
  readonly cpu_single?: number
}

const runPython = (): PythonResult | string => {
  if (process.env.PYTHON === "0") return "skipped (PYTHON=0)"
  const script = new URL("./pool/python_pool.py", import.meta.url).pathname
  const result = spawnSync("python3", [script], {
    encoding: "utf8",
    env: { ...process.env, N: String(N), LAT_N: String(LAT_N), PHASES: PHASES.join(",") },
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 24
  })
  if (result.error !== undefined) return `skipped (python3: ${result.error.message})`
  if (result.status !== 0) return `skipped (python3 exited with ${result.status})`
  const last = result.stdout.trim().split("\n").at(-1) ?? ""
  try {
    return JSON.parse(last) as PythonResult
  } catch {
    return `skipped (unreadable output: ${last.slice(0, 200)})`
  }
}

const main = async () => {
  const loadBefore = load()
  console.log(
    `pool: ${SIZE} workers each; ${ROUNDS} interleaved rounds; N = ${N}, ${LAT_N} round trips; ${
      FORCE_GC ? "full GC before each sample" : "no forced GC"
    }`
  )
  console.log(`${machine()}, corun ${revision(["packages/core/src/Pool.ts", "packages/node/src"])}, load ${loadBefore}`)
  sumRange(1, TOTAL + 1) // compile the single-thread loop before any timing
  // corun's workers start from the tasks module's bundle, cached on disk
  // (the first pool after an edit starts on plain modules and builds it).
  const buildStart = performance.now()
  const bundle = await Bundle.prepare(corunTasks.href)
  console.log(`corun bundle: ${bundle ?? "none (plain ES modules)"}, ready in ${ms(performance.now() - buildStart)} ms`)
  const report: Array<string> = []
  const header = (title: string) => {
    report.push("", `### ${title}`, "")
  }
  const context = () =>
    `${machine()} (${availableParallelism()} available); corun ${
      revision(["packages/core/src/Pool.ts", "packages/core/src/Task.ts", "packages/node/src"])
    }; load average ${loadBefore} at start, ${load()} now (2 cores: above ~1 means other work competed); ${ROUNDS} interleaved rounds, medians.`

  if (PHASES.includes("throughput")) {
    const results = await runRounds("throughput", throughputContenders, kps)
    const med = (c: Contender<number>) => median(results.get(c)!)
    const [corunApply, corunApplyAsync, piscina] = throughputContenders
    const perRound = (c: Contender<number>) => results.get(c)!.map((v, i) => v / results.get(piscina)![i])
    header(`(a) Throughput: ${N.toLocaleString("en")} no-op tasks submitted at once`)
    report.push(context(), "")
    report.push(markdownTable(
      ["contender", "code", "tasks/s (median)", "p25–p75", "÷ Piscina (per-round median)"],
      throughputContenders.map((c) => [
        label(c),
        `\`${c.code}\``,
        kps(med(c)),
        `${kps(quantile(results.get(c)!, 0.25))}–${kps(quantile(results.get(c)!, 0.75))}`,
        ratio(median(perRound(c)))
      ])
    ))
    report.push("")
    const applyRatio = median(perRound(corunApply))
    report.push(verdictLine(
      "corun `apply` (per task) ÷ Piscina `run` (per task)",
      `${ratio(applyRatio)} per-round median (${ratio(med(corunApply) / med(piscina))} ratio of medians)`,
      "≥ 1.20×",
      applyRatio >= 1.2 && med(corunApply) / med(piscina) >= 1.2
    ))
    report.push(`- for reference: corun \`applyAsync\` ÷ Piscina ${ratio(median(perRound(corunApplyAsync)))}`)
  }

  if (PHASES.includes("latency")) {
    const results = await runRounds(
      "latency",
      latencyContenders,
      (l) => `${l.p50.toFixed(0)}/${l.p99.toFixed(0)}µs`,
      LAT_ROUNDS
    )
    const p50 = (c: Contender<Latency>) => median(results.get(c)!.map((l) => l.p50))
    const p99 = (c: Contender<Latency>) => median(results.get(c)!.map((l) => l.p99))
    const [corun, piscina] = latencyContenders
    const perRound = results.get(corun)!.map((l, i) => l.p50 / results.get(piscina)![i].p50)
    header(
      `(b) Latency: ${LAT_N.toLocaleString("en")} sequential round trips (after ${LAT_WARMUP.toLocaleString("en")})`
    )
    report.push(context().replace(`${ROUNDS} interleaved rounds`, `${LAT_ROUNDS} interleaved rounds`), "")
    report.push(markdownTable(
      ["contender", "code", "p50 µs", "p99 µs", "p50 ÷ Piscina (per-round median)", "main-thread CPU µs / trip"],
      latencyContenders.map((c) => {
        const rounds = results.get(c)!.map((l, i) => l.p50 / results.get(piscina)![i].p50)
        return [
          label(c),
          `\`${c.code}\``,
          p50(c).toFixed(1),
          p99(c).toFixed(1),
          ratio(median(rounds)),
          median(results.get(c)!.map((l) => l.cpu)).toFixed(1)
        ]
      })
    ))
    report.push("")
    report.push(verdictLine(
      "corun p50 ÷ Piscina p50",
      `${ratio(median(perRound))} per-round median (${p50(corun).toFixed(1)} vs ${p50(piscina).toFixed(1)} µs)`,
      "≤ 1.00× (no worse)",
      median(perRound) <= 1 && p50(corun) <= p50(piscina)
    ))
  }

  if (PHASES.includes("cpu")) {
    const warm = cpuContenders(false)
    const cold = cpuContenders(true)
    // Interleave warm and cold samples of every contender within each round.
    const both: Array<Contender<Cpu>> = []
    for (let i = 0; i < warm.length; i++) {
      both.push({ ...warm[i], name: `${warm[i].name} warm` }, { ...cold[i], name: `${cold[i].name} cold` })
    }
    const results = await runRounds(
      "cpu",
      both,
      (c) => `${ms(c.pool)}/${ms(c.single)}ms${c.foreign > DISTURBED ? "*" : ""}`,
      CPU_ROUNDS
    )
    const all = (c: Contender<Cpu>) => results.get(c)!
    const quiet = (c: Contender<Cpu>) => results.get(c)!.filter((r) => !(r.foreign > DISTURBED))
    const speedup = (rs: ReadonlyArray<Cpu>) => median(rs.map((r) => r.single / r.pool))
    const time = (rs: ReadonlyArray<Cpu>) => median(rs.map((r) => r.pool))
    const dash = (text: string) => text.startsWith("NaN") ? "–" : text
    // The verdict uses the undisturbed samples when there are at least 3 of them.
    const judged = (c: Contender<Cpu>) => quiet(c).length >= 3 ? quiet(c) : all(c)
    const singles = [...results.values()].flat().map((r) => r.single)
    const disturbed = [...results.values()].flat().filter((r) => r.foreign > DISTURBED).length
    header("(c) CPU: the sum of 1..100,000,000 in 8 slices")
    report.push(
      context().replace(`${ROUNDS} interleaved rounds`, `${CPU_ROUNDS} interleaved rounds`),
      `Single-thread time in the main thread (measured just before each pool sample): median ${
        ms(median(singles))
      } ms. ` +
        "Speedup = that single time ÷ the pool time, per sample; medians. Limit on 2 cores: 2.0. " +
        `A sample is *disturbed* when other programs used more than ${DISTURBED} of a core meanwhile (\`/proc/stat\` ` +
        `minus this process): ${disturbed} of ${singles.length} were; "quiet" columns leave them out (the process runtime's ` +
        "samples cannot be told apart and are all kept).",
      ""
    )
    report.push(markdownTable(
      [
        "contender",
        "warm ms (quiet / all)",
        "warm speedup (quiet / all)",
        "cold ms, pool start included (quiet / all)",
        "cold speedup (quiet / all)",
        "start-up ≈ cold − warm ms (quiet)"
      ],
      warm.map((c, i) => {
        const w = both[2 * i]
        const k = both[2 * i + 1]
        return [
          label(c),
          `${dash(ms(time(quiet(w))))} / ${ms(time(all(w)))}`,
          `${dash(ratio(speedup(quiet(w))))} (n=${quiet(w).length}) / ${ratio(speedup(all(w)))}`,
          `${dash(ms(time(quiet(k))))} / ${ms(time(all(k)))}`,
          `${dash(ratio(speedup(quiet(k))))} (n=${quiet(k).length}) / ${ratio(speedup(all(k)))}`,
          dash(ms(time(quiet(k)) - time(quiet(w))))
        ]
      })
    ))
    report.push("")
    const warmCorun = speedup(judged(both[0]))
    const coldCorun = speedup(judged(both[1]))
    const basis = (c: Contender<Cpu>) => quiet(c).length >= 3 ? "quiet samples" : "all samples"
    report.push(verdictLine(`corun warm speedup (${basis(both[0])})`, ratio(warmCorun), "≥ 1.90×", warmCorun >= 1.9))
    report.push(
      verdictLine(
        `corun cold speedup, pool start included (${basis(both[1])})`,
        ratio(coldCorun),
        "≥ 1.00×",
        coldCorun >= 1.0
      )
    )
    report.push(
      `- Piscina for comparison: warm ${ratio(speedup(judged(both[2])))}, cold ${ratio(speedup(judged(both[3])))}`
    )
  }

  if (PHASES.includes("startup")) {
    const results = await runRounds("startup", startupContenders, (r) => `${ms(r)}ms`, STARTUP_ROUNDS)
    const piscina = results.get(startupContenders[1])!
    const perRound = (c: Contender<number>) => results.get(c)!.map((r, i) => r / piscina[i])
    header("(d) Start-up: from creating a pool of 2 to both workers ready")
    report.push(
      context().replace(`${ROUNDS} interleaved rounds`, `${STARTUP_ROUNDS} interleaved rounds`),
      ""
    )
    report.push(markdownTable(
      ["contender", "code", "ms to both ready", "÷ Piscina (median of per-round ratios)"],
      startupContenders.map((c) => [label(c), c.code, ms(median(results.get(c)!)), ratio(median(perRound(c)))])
    ))
    report.push("")
    const corunRatio = median(perRound(startupContenders[0]))
    report.push(verdictLine("corun start-up ÷ Piscina", ratio(corunRatio), "≤ 1.20×", corunRatio <= 1.2))
  }

  const python = runPython()
  header("Python (same machine, same workloads)")
  if (typeof python === "string") {
    report.push(`Python: ${python}`)
  } else {
    report.push(
      `Python ${python.python} (start method \`${python.start_method}\`), ${python.rounds} rounds, medians; run after the Node rounds (load average ${load()} now).`,
      ""
    )
    const rows: Array<Array<string>> = []
    for (const [name, tps] of Object.entries(python.throughput)) rows.push([`\`${name}\``, `${kps(tps)} tasks/s`])
    for (const [name, l] of Object.entries(python.latency)) {
      rows.push([`\`${name}\` round trip`, `p50 ${l.p50.toFixed(1)} µs, p99 ${l.p99.toFixed(1)} µs`])
    }
    if (python.cpu_single !== undefined) rows.push(["8-slice sum, one process", `${ms(python.cpu_single * 1000)} ms`])
    for (const [name, c] of Object.entries(python.cpu)) {
      rows.push([`8-slice sum, ${name}`, `${ms(c.time * 1000)} ms, speedup ${ratio(c.speedup)}`])
    }
    report.push(markdownTable(["Python", "figure"], rows))
  }

  console.log(report.join("\n"))
}

await runOnPlainNode(import.meta.url, main)
