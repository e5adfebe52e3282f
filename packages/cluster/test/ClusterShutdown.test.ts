import { ClusterPool } from "@corun/cluster"
import { Errors } from "@corun/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { randomUUID } from "node:crypto"
import { readdirSync, readFileSync } from "node:fs"
import { afterAll, beforeAll } from "vitest"
import { type Postgres, startPostgres } from "../../../scripts/postgres.ts"
import * as T from "./fixtures/tasks.ts"
import { exited, psql, type RunnerProcess, startRunner, stopRunner } from "./helpers.ts"

const secret = "shutdown secret"
const mark = `CORUN_TEST_MARK=${randomUUID()}`
let pg: Postgres
const runners: Array<RunnerProcess> = []

beforeAll(async () => {
  pg = await startPostgres()
  // Pools of child processes: what a runner leaves behind is visible to the OS.
  const env = { CORUN_RUNTIME: "process", CORUN_TEST_MARK: mark.split("=")[1]! }
  runners.push(await startRunner({ databaseUrl: pg.url, secret, size: 2, env }))
  runners.push(await startRunner({ databaseUrl: pg.url, secret, size: 2, env }))
}, 120_000)

afterAll(async () => {
  await Promise.all(runners.map(stopRunner))
  await pg?.stop()
}, 120_000)

/** The live processes whose environment holds this test's mark (runners and their pools' workers). */
const marked = (): Array<number> => {
  const found: Array<number> = []
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8")
      if (stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z")) continue // exited, not yet reaped
      if (readFileSync(`/proc/${entry}/environ`, "utf8").split("\0").includes(mark)) found.push(Number(entry))
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found
}

describe("a clean shutdown", () => {
  it.live("leaves no process, no database connection and no shard lock behind", () =>
    Effect.gen(function*() {
      yield* Effect.scoped(Effect.gen(function*() {
        const pool = yield* ClusterPool.make({ databaseUrl: pg.url, secret })
        assert.deepStrictEqual(yield* pool.map(T.square, [1, 2, 3, 4]), [1, 4, 9, 16])
      }))
      assert.isAbove(marked().length, 2, "the runners and their pools' worker processes were found")
      for (const runner of runners) runner.child.kill("SIGTERM")
      for (const runner of runners) {
        const code = yield* Effect.promise(() => exited(runner.child, 60_000))
        assert.isDefined(code, `runner ${runner.child.pid} did not exit on SIGTERM:\n${runner.output}`)
      }
      for (let i = 0; i < 100 && marked().length > 0; i++) yield* Effect.sleep("100 millis")
      assert.deepStrictEqual(marked(), [])
      const others = "pid <> pg_backend_pid() and backend_type = 'client backend'"
      assert.strictEqual(psql(pg.url, `select count(*) from pg_stat_activity where ${others}`), "0")
      assert.strictEqual(psql(pg.url, "select count(*) from pg_locks where locktype = 'advisory'"), "0")
      assert.strictEqual(psql(pg.url, "select count(*) from cluster_runners"), "0")
    }), 180_000)

  it.live(
    "with no runner left, a job with a timeout ends with TaskTimeout and awaitReady fails, instead of waiting forever",
    () =>
      Effect.gen(function*() {
        assert.strictEqual(psql(pg.url, "select count(*) from cluster_runners"), "0")
        const pool = yield* ClusterPool.make({ databaseUrl: pg.url, secret, startupTimeout: "1 second" })
        const error = yield* Effect.flip(pool.apply(T.square, 3, { timeout: "500 millis" }))
        assert.instanceOf(error, Errors.TaskTimeout)
        assert.include(error.message, "no answer from the cluster")
        // Nor does waiting for a runner wait forever.
        const notReady = yield* Effect.flip(pool.awaitReady)
        assert.instanceOf(notReady, Errors.WorkerCrashed)
        assert.strictEqual(notReady.reason, "startup")
        assert.include(notReady.message, "no runner of the cluster was up")
      }).pipe(Effect.scoped),
    120_000
  )
})
