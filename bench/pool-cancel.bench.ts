/**
 * Cancellation latency of a running task, corun's pool beside Piscina 5 and
 * Tinypool 2 (2 worker threads each), in one run:
 *
 *   pnpm bench pool-cancel            (or: tsx bench/pool-cancel.bench.ts)
 *   ROUNDS=31 pnpm bench pool-cancel
 *
 * Each sample starts a pool of 2 workers, waits until both are up, starts a
 * task, waits until the task reports that it is running in its worker, then
 * cancels it and measures how long until the caller is released:
 *
 * - corun: `Fiber.interrupt` of the fiber awaiting `pool.apply`. It returns
 *   once the task has stopped: a task that yields (`nap`) is interrupted
 *   inside its worker, which stays; one that never yields (`spin`) is given
 *   the pool's `cancelGracePeriod` (50 ms by default) to stop, then its
 *   worker is terminated (and replaced). Both runtimes: worker threads and
 *   child processes.
 * - corun `Future.cancel` of an `applyAsync` future: it returns at once
 *   (asyncio's `Task.cancel()`: the request is made, the task stops on its
 *   own); the sample then waits (`Future.await`) for the stop, outside the
 *   measured time, and checks that the task ended cancelled.
 * - Piscina and Tinypool: `AbortController.abort()` on the task's `signal`;
 *   the promise rejects at once and the worker is terminated (they have no
 *   way to stop a task inside its worker, so a yielding task costs its
 *   worker too). Only the never-yielding task is measured for them.
 *
 * Every sample checks that the task really was cancelled (not completed:
 * it would run for 60 s) and that the pool runs a task afterwards. Samples
 * of the contenders are interleaved (A B C …, A B C …); the report gives
 * medians and quartiles. These figures replace the wall-clock bounds that
 * the test suite no longer asserts (a test that times things on a shared
 * machine fails without anything being broken).
 */
import { Future, type Pool } from "@corun/core"
import { NodePool } from "@corun/node"
import { Cause, Deferred, Effect, Exit, Fiber } from "effect"
import { Piscina } from "piscina"
import { Tinypool } from "tinypool"
import { load, machine, markdownTable, median, ms, quantile, revision } from "./lib/stats.ts"
import { runOnPlainNode } from "./pool/plain-node.ts"
import { nap, noop, spin } from "./pool/tasks.ts"

const ROUNDS = Math.max(1, Number(process.env.ROUNDS ?? 15))
const SIZE = 2
/** How long the cancelled tasks would run if nothing stopped them. */
const TASK_MS = 60_000

const peerWorker = new URL("./pool/peer-worker.mjs", import.meta.url)
const corunTasks = new URL("./pool/tasks.ts", import.meta.url)

/** One corun sample: ms from `Fiber.interrupt` to its return, for `task` on a fresh pool. */
const corunSample = (runtime: "thread" | "process", task: typeof spin | typeof nap): Promise<number> =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const pool: Pool.PoolService = yield* NodePool.make({ tasks: corunTasks, size: SIZE, runtime })
    yield* pool.awaitReady
    const started = yield* Deferred.make<void>()
    const fiber = yield* Effect.forkChild(
      pool.apply(task, TASK_MS, { onProgress: () => Deferred.doneUnsafe(started, Exit.void) })
    )
    yield* Deferred.await(started)
    const t0 = performance.now()
    yield* Fiber.interrupt(fiber)
    const released = performance.now() - t0
    const exit = fiber.pollUnsafe()
    if (exit === undefined || !Exit.isFailure(exit) || !Cause.hasInterruptsOnly(exit.cause)) {
      throw new Error(`corun ${runtime} ${task.name}: the task was not cancelled`)
    }
    if ((yield* pool.apply(noop, 7)) !== 7) throw new Error(`corun ${runtime}: no task after the cancel`)
    return released
  })))

/**
 * One corun sample: ms from `Future.cancel` to its return, for `task` on a
 * fresh pool; with `untilStopped`, to the end of the `Future.await` that
 * follows (what `Future.cancel` waited for before it returned at once).
 */
const corunFutureCancelSample = (
  runtime: "thread" | "process",
  task: typeof spin | typeof nap,
  untilStopped = false
): Promise<number> =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const pool: Pool.PoolService = yield* NodePool.make({ tasks: corunTasks, size: SIZE, runtime })
    yield* pool.awaitReady
    const started = yield* Deferred.make<void>()
    const future = yield* pool.applyAsync(task, TASK_MS, { onProgress: () => Deferred.doneUnsafe(started, Exit.void) })
    yield* Deferred.await(started)
    const t0 = performance.now()
    const requested = yield* Future.cancel(future)
    let released = performance.now() - t0
    yield* Future.await(future)
    if (untilStopped) released = performance.now() - t0
    if (!requested || !(yield* Future.cancelled(future))) {
      throw new Error(`corun ${runtime} ${task.name}: Future.cancel did not cancel the task`)
    }
    if ((yield* pool.apply(noop, 7)) !== 7) throw new Error(`corun ${runtime}: no task after the cancel`)
    return released
  })))

interface PeerPool {
  run(input: unknown, options?: { name?: string; signal?: AbortSignal }): Promise<unknown>
  destroy(): Promise<void>
}

/** One Piscina or Tinypool sample: ms from `abort()` to the rejection of `run`. */
const peerSample = async (name: string, make: () => PeerPool): Promise<number> => {
  const pool = make()
  try {
    // Both threads up and warm.
    await Promise.all([pool.run(1), pool.run(2)])
    const flag = new Int32Array(new SharedArrayBuffer(4))
    const controller = new AbortController()
    const running = pool.run({ flag, ms: TASK_MS }, { name: "spin", signal: controller.signal }).then(
      () => "completed" as const,
      (error: unknown) => error
    )
    while (Atomics.load(flag, 0) === 0) await new Promise((resolve) => setTimeout(resolve, 1))
    const t0 = performance.now()
    controller.abort()
    const outcome = await running
    const released = performance.now() - t0
    if (outcome === "completed" || !String(outcome).toLowerCase().includes("abort")) {
      throw new Error(`${name}: the task was not cancelled (${String(outcome)})`)
    }
    if ((await pool.run(7)) !== 7) throw new Error(`${name}: no task after the cancel`)
    return released
  } finally {
    await pool.destroy()
  }
}

interface Contender {
  readonly name: string
  readonly what: string
  readonly sample: () => Promise<number>
}

const contenders: ReadonlyArray<Contender> = [
  {
    name: "**corun thread, `spin`**",
    what: "`Fiber.interrupt` of `pool.apply(spin)`: grace period, then the worker is terminated",
    sample: () => corunSample("thread", spin)
  },
  {
    name: "**corun thread, `nap`**",
    what: "`Fiber.interrupt` of `pool.apply(nap)`: interrupted inside its worker, which stays",
    sample: () => corunSample("thread", nap)
  },
  {
    name: "corun thread, `spin`, `Future.cancel`",
    what: "`Future.cancel` of `pool.applyAsync(spin)`: returns once the cancel is requested",
    sample: () => corunFutureCancelSample("thread", spin)
  },
  {
    name: "corun thread, `nap`, `Future.cancel`",
    what: "`Future.cancel` of `pool.applyAsync(nap)`: returns once the cancel is requested",
    sample: () => corunFutureCancelSample("thread", nap)
  },
  {
    name: "corun thread, `spin`, `Future.cancel` + `Future.await`",
    what: "the same, until the task has stopped (what `Future.cancel` used to wait for)",
    sample: () => corunFutureCancelSample("thread", spin, true)
  },
  {
    name: "corun process, `spin`",
    what: "the same, child-process workers (SIGKILL after the grace period)",
    sample: () => corunSample("process", spin)
  },
  {
    name: "corun process, `nap`",
    what: "the same, child-process workers",
    sample: () => corunSample("process", nap)
  },
  {
    name: "Piscina 5, `spin`",
    what: "`abort()` on `run(…, { signal })`: rejects at once, the worker is terminated",
    sample: () =>
      peerSample("Piscina", () => new Piscina({ filename: peerWorker.href, minThreads: SIZE, maxThreads: SIZE }))
  },
  {
    name: "Tinypool 2, `spin`",
    what: "`abort()` on `run(…, { signal })`: rejects at once, the worker is terminated",
    sample: () =>
      peerSample("Tinypool", () => new Tinypool({ filename: peerWorker.href, minThreads: SIZE, maxThreads: SIZE }))
  }
]

const main = async () => {
  console.log(`${machine()}; corun ${revision(["packages/node/src"])}; load average ${load()} at the start`)
  console.log(`${ROUNDS} interleaved rounds; each sample cancels one running task on a fresh pool of ${SIZE} workers\n`)
  const samples = new Map(contenders.map((c) => [c.name, [] as Array<number>]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const contender of contenders) samples.get(contender.name)!.push(await contender.sample())
  }
  const rows = contenders.map((c) => {
    const values = samples.get(c.name)!
    return [
      c.name,
      c.what,
      ms(median(values)),
      `${ms(quantile(values, 0.25))}–${ms(quantile(values, 0.75))}`,
      ms(Math.max(...values))
    ]
  })
  console.log(markdownTable(["contender", "cancel → caller released", "median ms", "p25–p75 ms", "max ms"], rows))
  console.log(`\nload average ${load()} at the end`)
}

await runOnPlainNode(import.meta.url, main)
