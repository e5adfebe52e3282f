/**
 * Issue 11 benchmarks: corun's `ClusterPool` on 2 runner processes (each
 * with a 1-worker pool) on this machine, side by side in one run with the
 * local `NodePool` (2 workers) and with raw Effect Cluster requests (one
 * persisted request per task to a plain entity on 2 plain
 * `NodeClusterSocket` runners, `bench/cluster/raw.ts`). Everything shares
 * the machine's 2 cores with a private PostgreSQL (`scripts/postgres.ts`).
 *
 *   pnpm bench cluster                  (or: tsx bench/cluster.bench.ts)
 *   ROUNDS=5 N=10000 RAW_N=1000 TAKEOVERS=3 pnpm bench cluster
 *
 * (a) throughput: N no-op tasks submitted at once, every result awaited,
 *     in tasks/s: `pool.applyAsync` ×N then each future joined (one job per
 *     task: the client batches up to 256 per message), and `pool.map` with
 *     Python's default chunksize; raw Effect Cluster: RAW_N requests, 200 in
 *     flight (it is an order of magnitude slower: fewer of them keep the
 *     run short).
 * (b) the 8-slice sum of 1..100,000,000: the single-thread time in this
 *     process, then `pool.map(sum, slices, { chunksize: 1 })`.
 * (c) where a task's time goes: a lone task's round trip (one message to a
 *     runner and its persisted answer, sequential, p50), and what packing,
 *     signing and unpacking cost per task of a 256-job batch.
 * (d) takeover: a runner is SIGKILLed while one-job batches go to every
 *     shard; the time until the last of them is answered (the dead
 *     runner's shards taken over by the other), TAKEOVERS times (a new
 *     runner replaces the dead one between kills).
 *
 * Contenders run interleaved for ROUNDS rounds; medians and per-round
 * ratios. Every sample checks its results.
 */
import { ClusterPool } from "@corun/cluster"
import { Future, type Pool } from "@corun/core"
import { NodePool } from "@corun/node"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import * as Protocol from "../packages/cluster/src/internal/protocol.ts"
import { freePort, startPostgres } from "../scripts/postgres.ts"
import * as Raw from "./cluster/raw.ts"
import { load, machine, markdownTable, median, ms, quantile, ratio, revision } from "./lib/stats.ts"
import { noop, sum } from "./pool/tasks.ts"

const N = Number(process.env.N ?? 10_000)
const RAW_N = Number(process.env.RAW_N ?? 1_000)
const ROUNDS = Number(process.env.ROUNDS ?? 3)
const TAKEOVERS = Number(process.env.TAKEOVERS ?? 3)
const LONE = 200
const SUM_TO = 100_000_000
const secret = "bench secret"
const tasksPath = fileURLToPath(new URL("./pool/tasks.ts", import.meta.url))
const binPath = fileURLToPath(new URL("../packages/cluster/src/bin/corun-runner.ts", import.meta.url))
const rawPath = fileURLToPath(new URL("./cluster/raw.ts", import.meta.url))

const children = new Set<ChildProcess>()
const startChild = async (args: Array<string>, env: Record<string, string>) => {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit"]
  })
  children.add(child)
  child.once("exit", () => children.delete(child))
  return child
}
const corunRunner = async (databaseUrl: string) =>
  startChild([binPath, "--tasks", tasksPath, "--listen", `127.0.0.1:${await freePort()}`, "--size", "1"], {
    DATABASE_URL: databaseUrl,
    CORUN_SECRET: secret
  })
const rawRunner = async (databaseUrl: string) =>
  startChild([rawPath], { DATABASE_URL: databaseUrl, PORT: String(await freePort()) })

const check = (ok: boolean, what: string) => {
  if (!ok) throw new Error(`bench check failed: ${what}`)
}

const inputs = Array.from({ length: N }, (_, i) => i)
const expectedSum = (N * (N - 1)) / 2
const slices = Array.from({ length: 8 }, (_, i) => ({ from: 1 + (i * SUM_TO) / 8, to: 1 + ((i + 1) * SUM_TO) / 8 }))
const sumAll = (SUM_TO * (SUM_TO + 1)) / 2

/** N no-op tasks as N jobs: tasks/s. */
const applyAll = (pool: Pool.PoolService) =>
  Effect.gen(function*() {
    const start = performance.now()
    const futures = yield* Effect.forEach(inputs, (i) => pool.applyAsync(noop, i))
    let total = 0
    for (const future of futures) total += yield* Future.result(future)
    const elapsed = performance.now() - start
    check(total === expectedSum, "the sum of the no-op results")
    return (N * 1000) / elapsed
  })

/** `map` with the default chunksize: tasks/s. */
const mapAll = (pool: Pool.PoolService) =>
  Effect.gen(function*() {
    const start = performance.now()
    const results = yield* pool.map(noop, inputs)
    const elapsed = performance.now() - start
    check(results.length === N && results[N - 1] === N - 1, "map's results")
    return (N * 1000) / elapsed
  })

/** The 8-slice sum: its time in ms. */
const sum8 = (pool: Pool.PoolService) =>
  Effect.gen(function*() {
    const start = performance.now()
    const totals = yield* pool.map(sum, slices, { chunksize: 1 })
    const elapsed = performance.now() - start
    check(totals.reduce((a, b) => a + b, 0) === sumAll, "the 8-slice sum")
    return elapsed
  })

const singleThreadSum = () => {
  const start = performance.now()
  let total = 0
  for (let n = 1; n <= SUM_TO; n++) total += n
  check(total === sumAll, "the single-thread sum")
  return performance.now() - start
}

const program = Effect.gen(function*() {
  const pg = yield* Effect.acquireRelease(
    Effect.promise(() => startPostgres()),
    (pg) => Effect.promise(() => pg.stop())
  )
  spawnSync("psql", [pg.url, "-c", "create database raw"], { encoding: "utf8" })
  const rawUrl = pg.url.replace(/\/corun$/, "/raw")
  yield* Effect.addFinalizer(() =>
    Effect.promise(async () => {
      for (const child of children) child.kill("SIGKILL")
      await new Promise((resolve) => setTimeout(resolve, 200))
    })
  )
  const runners = [yield* Effect.promise(() => corunRunner(pg.url)), yield* Effect.promise(() => corunRunner(pg.url))]
  yield* Effect.promise(() => rawRunner(rawUrl))
  yield* Effect.promise(() => rawRunner(rawUrl))

  const cluster = yield* ClusterPool.make({ databaseUrl: pg.url, secret, size: 2 })
  const local = yield* NodePool.make({ tasks: new URL("./pool/tasks.ts", import.meta.url), size: 2 })
  const rawClient = yield* Effect.provide(Raw.RawTask.client, yield* Layer.build(Raw.clientLayer(rawUrl)))
  const rawAll = Effect.gen(function*() {
    const start = performance.now()
    const results = yield* Effect.forEach(
      Array.from({ length: RAW_N }, (_, i) => i),
      (n) => rawClient(`e${n % 64}`).Noop({ n }),
      { concurrency: 200 }
    )
    const elapsed = performance.now() - start
    check(results.reduce((a, b) => a + b, 0) === (RAW_N * (RAW_N - 1)) / 2, "the raw results")
    return (RAW_N * 1000) / elapsed
  })

  // Warm-up: every runner has joined, every path has run once.
  const pids = new Set<number>()
  for (let i = 0; i < 400 && pids.size < 2; i++) pids.add(yield* cluster.apply(noop, i).pipe(Effect.as(i % 2)))
  yield* applyAll(cluster)
  yield* applyAll(local)
  yield* rawAll

  const samples: Record<string, Array<number>> = {
    clusterApply: [],
    clusterMap: [],
    localApply: [],
    localMap: [],
    raw: [],
    single: [],
    clusterSum: [],
    localSum: []
  }
  for (let round = 1; round <= ROUNDS; round++) {
    samples.clusterApply.push(yield* applyAll(cluster))
    samples.localApply.push(yield* applyAll(local))
    samples.raw.push(yield* rawAll)
    samples.clusterMap.push(yield* mapAll(cluster))
    samples.localMap.push(yield* mapAll(local))
    samples.single.push(singleThreadSum())
    samples.clusterSum.push(yield* sum8(cluster))
    samples.localSum.push(yield* sum8(local))
    console.log(
      `round ${round}: cluster ${(samples.clusterApply.at(-1)! / 1000).toFixed(1)}k/s, local ${
        (samples.localApply.at(-1)! / 1000).toFixed(1)
      }k/s, raw ${samples.raw.at(-1)!.toFixed(0)}/s, sum cluster ${ms(samples.clusterSum.at(-1)!)} ms`
    )
  }

  // (c) a lone task's round trip, and the client's own cost per task.
  const lone: Array<number> = []
  for (let i = 0; i < LONE; i++) {
    const start = performance.now()
    yield* cluster.apply(noop, i)
    lone.push(performance.now() - start)
  }
  const records = Array.from({ length: 256 }, (_, i) => ({ task: "noop", chunk: false, payload: i, timeoutMs: null }))
  const key = randomBytes(32)
  const packStart = performance.now()
  for (let i = 0; i < 200; i++) {
    const body = Protocol.pack(records)
    Protocol.sign(key, "batch", "b", "e", body)
    Protocol.unpack(body)
  }
  const clientPerTaskUs = ((performance.now() - packStart) * 1000) / (200 * 256)

  // (d) takeover.
  const takeovers: Array<number> = []
  for (let k = 0; k < TAKEOVERS; k++) {
    const victim = runners.shift()!
    const killedAt = performance.now()
    victim.kill("SIGKILL")
    const fibers = []
    for (let i = 0; i < 64; i++) {
      fibers.push(yield* Effect.forkChild(cluster.apply(noop, i)))
      yield* Effect.sleep(1) // one batch per tick: batches to every shard
    }
    for (const fiber of fibers) yield* Fiber.await(fiber)
    takeovers.push(performance.now() - killedAt)
    runners.push(yield* Effect.promise(() => corunRunner(pg.url)))
    yield* Effect.sleep("3 seconds") // the newcomer joins and takes its shards
  }

  const perRound = (a: Array<number>, b: Array<number>) => median(a.map((x, i) => x / b[i]!))
  const kps = (x: number) => `${(x / 1000).toFixed(1)}k`
  const report = [
    `### corun on 2 runner processes, next to the local pool and raw Effect Cluster`,
    "",
    `${machine()}; corun ${
      revision(["packages/cluster/src", "packages/node/src", "packages/core/src"])
    }; load average ${load()}; ${ROUNDS} interleaved rounds, medians.`,
    "",
    markdownTable(["contender", "what", "tasks/s (median)", "÷ local pool, same round"], [
      [
        "corun ClusterPool, 2 runners × 1 worker",
        `applyAsync ×${N} (jobs batched ≤ 256 per message)`,
        kps(median(samples.clusterApply)),
        ratio(perRound(samples.clusterApply, samples.localApply))
      ],
      ["corun NodePool, 2 workers", `applyAsync ×${N}`, kps(median(samples.localApply)), "1.00×"],
      [
        "raw Effect Cluster, 2 runners",
        `${RAW_N} persisted requests, 200 in flight`,
        `${median(samples.raw).toFixed(0)}`,
        ratio(perRound(samples.raw, samples.localApply))
      ],
      [
        "corun ClusterPool",
        `map(noop, ${N}) (default chunksize)`,
        kps(median(samples.clusterMap)),
        ratio(perRound(samples.clusterMap, samples.localMap))
      ],
      ["corun NodePool", `map(noop, ${N})`, kps(median(samples.localMap)), "1.00×"]
    ]),
    "",
    `- ClusterPool applyAsync ÷ raw Effect Cluster requests: **${
      ratio(perRound(samples.clusterApply, samples.raw))
    }**; target ≥ 5,000 tasks/s: **${median(samples.clusterApply) >= 5000 ? "met" : "MISSED"}** (${
      kps(median(samples.clusterApply))
    }/s)`,
    `- 8-slice sum: single thread ${ms(median(samples.single))} ms; cluster ${
      ms(median(samples.clusterSum))
    } ms (speed-up ${(median(samples.single) / median(samples.clusterSum)).toFixed(2)}); local pool ${
      ms(median(samples.localSum))
    } ms (speed-up ${(median(samples.single) / median(samples.localSum)).toFixed(2)})`,
    `- A lone task's round trip (one persisted message and its answer): p50 ${ms(quantile(lone, 0.5))} ms, p99 ${
      ms(quantile(lone, 0.99))
    } ms; packing (V8's serializer, base64), signing and unpacking a 256-job batch, per task: ${
      clientPerTaskUs.toFixed(2)
    } µs`,
    `- Takeover after a SIGKILL (until every shard answers again): ${
      takeovers.map((t) => `${(t / 1000).toFixed(2)} s`).join(", ")
    }; median **${(median(takeovers) / 1000).toFixed(2)} s** (target ≤ 5 s: **${
      median(takeovers) <= 5000 ? "met" : "MISSED"
    }**)`
  ]
  console.log(`\n${report.join("\n")}\n`)
})

await Effect.runPromise(Effect.scoped(program))
process.exit(0)
