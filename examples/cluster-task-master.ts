/**
 * Port of `task_master.py`, the master of the distributed-processes program
 * of the Chinese tutorial (“分布式进程”): it registers a task queue and a
 * result queue on the network with an `authkey`, puts ten random numbers,
 * and reads the workers' ten results:
 *
 * ```python
 * QueueManager.register('get_task_queue', callable=lambda: task_queue)
 * QueueManager.register('get_result_queue', callable=lambda: result_queue)
 * manager = QueueManager(address=('', 5000), authkey='abc')
 * manager.start()
 * task = manager.get_task_queue()
 * result = manager.get_result_queue()
 * for i in range(10):
 *     n = random.randint(0, 10000)
 *     print('Put task %d...' % n)
 *     task.put(n)
 * print('Try get results...')
 * for i in range(10):
 *     r = result.get(timeout=10)
 *     print('Result: %s' % r)
 * manager.shutdown()
 * print('master exit.')
 * ```
 *
 * In corun the two queues are the cluster's `Pool`: a task put is an
 * `applyAsync`, its result a future (`Future.result(f, { timeout })` is
 * `result.get(timeout=10)`), and the `authkey` is the cluster's secret. The
 * program is the same as on one machine; only its `Layer` says "cluster".
 *
 * Two ways to run it (see the README's "Scaling out"):
 * - with a cluster: `DATABASE_URL=… CORUN_SECRET=abc pnpm tsx examples/cluster-task-master.ts`
 *   while `examples/cluster-task-worker.ts` runs in another terminal (or machine);
 * - alone: `pnpm tsx examples/cluster-task-master.ts` starts a private
 *   PostgreSQL and one worker itself, and stops them at the end.
 *
 * Expected output (the numbers are random):
 *
 * ```
 * Put task 9541...
 * …
 * Try get results...
 * Result: 9541 * 9541 = 91030681
 * …
 * master exit.
 * ```
 *
 * Checks: ten results, each `n * n = n²` for the n put, in the order put.
 */
import { ClusterPool } from "@corun/cluster"
import { Future, Pool } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { freePort, startPostgres } from "../scripts/postgres.ts"
import { checkNow } from "./support/report.ts"
import { squareReport } from "./tasks/square-report.ts"

const program = Effect.gen(function*() {
  const pool = yield* Pool.Pool
  const numbers: Array<number> = []
  const results: Array<Future.Future<string, unknown>> = []
  for (let i = 0; i < 10; i++) {
    const n = Math.floor(Math.random() * 10001) // random.randint(0, 10000)
    console.log(`Put task ${n}...`)
    numbers.push(n)
    results.push(yield* pool.applyAsync(squareReport, n)) // task.put(n)
  }
  console.log("Try get results...")
  const got: Array<string> = []
  for (const result of results) {
    const r = yield* Future.result(result, { timeout: "10 seconds" }) // result.get(timeout=10)
    console.log(`Result: ${r}`)
    got.push(r)
  }
  console.log("master exit.")
  checkNow(
    got.length === 10 && got.every((r, i) => r === `${numbers[i]} * ${numbers[i]} = ${numbers[i]! * numbers[i]!}`),
    `each result should be "n * n = n²" for the n put, in order; got ${JSON.stringify(got)}`
  )
})

/** Alone: a private PostgreSQL and one worker (`cluster-task-worker.ts`) for the run. */
const standalone = Effect.acquireRelease(
  Effect.promise(async () => {
    const postgres = await startPostgres()
    const secret = "abc"
    const port = await freePort()
    const worker = spawn(process.execPath, [
      ...process.execArgv,
      fileURLToPath(new URL("./cluster-task-worker.ts", import.meta.url))
    ], {
      env: { ...process.env, DATABASE_URL: postgres.url, CORUN_SECRET: secret, CORUN_PORT: String(port) },
      stdio: ["ignore", "ignore", "inherit"]
    })
    return { postgres, secret, worker }
  }),
  ({ postgres, worker }) =>
    Effect.promise(async () => {
      if (worker.exitCode === null && worker.signalCode === null) {
        const exited = new Promise((resolve) => worker.once("exit", resolve))
        worker.kill("SIGTERM")
        await exited
      }
      await postgres.stop()
    })
)

const main = process.env.DATABASE_URL !== undefined
  ? program.pipe(Effect.provide(ClusterPool.layerConfig))
  : Effect.scoped(Effect.gen(function*() {
    const { postgres, secret } = yield* standalone
    yield* program.pipe(Effect.provide(ClusterPool.layer({ databaseUrl: postgres.url, secret })))
  }))

NodeRuntime.runMain(main)
