import { ClusterPool } from "@corun/cluster"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll } from "vitest"
import { type Postgres, startPostgres } from "../../../scripts/postgres.ts"
import * as T from "./fixtures/tasks.ts"
import { exited, type RunnerProcess, startRunner, stopRunner } from "./helpers.ts"

const secret = "failover secret"
let pg: Postgres
const runners: Array<RunnerProcess> = []
let dir: string

beforeAll(async () => {
  pg = await startPostgres()
  runners.push(await startRunner({ databaseUrl: pg.url, secret, size: 2 }))
  runners.push(await startRunner({ databaseUrl: pg.url, secret, size: 2 }))
  dir = mkdtempSync(join(tmpdir(), "corun-failover-"))
}, 120_000)

afterAll(async () => {
  await Promise.all(runners.map(stopRunner))
  await pg?.stop()
  rmSync(dir, { recursive: true, force: true })
}, 120_000)

/** The lines `n pid` the tasks logged when they started. */
const starts = (log: string) =>
  existsSync(log)
    ? readFileSync(log, "utf8").split("\n").filter((line) => line !== "").map((line) => line.split(" ").map(Number))
    : []

/** Waits until the tasks logged at least `count` starts. */
const startsReach = (log: string, count: number) =>
  Effect.gen(function*() {
    for (let i = 0; i < 600; i++) {
      if (starts(log).length >= count) return
      yield* Effect.sleep("50 millis")
    }
    return yield* Effect.die(new Error(`fewer than ${count} tasks started within 30 s`))
  })

describe("a runner SIGKILLed in the middle of a batch", () => {
  it.live(
    "every task of the batch completes, and the caller gets each result exactly once",
    () =>
      Effect.gen(function*() {
        const log = join(dir, "starts")
        const pool = yield* ClusterPool.make({ databaseUrl: pg.url, secret, batchSize: 10 })
        // Both runners are in: a few one-job batches reach each before the real work.
        const seen = new Set<number>()
        for (let i = 0; i < 400 && seen.size < 2; i++) seen.add(yield* pool.apply(T.whereAmI, i))
        assert.strictEqual(seen.size, 2)

        const inputs = Array.from({ length: 200 }, (_, n) => ({ n, log, ms: 40 }))
        const results = new Map<number, number>()
        let deliveries = 0
        const fiber = yield* Effect.forkChild(
          Effect.forEach(inputs, (input) =>
            Effect.map(pool.apply(T.slowSquare, input), (square) => {
              deliveries++
              results.set(input.n, square)
            }), { concurrency: "unbounded" })
        )
        // Kill the runner that has started some of the work, while it has more to do.
        const victim = yield* Effect.gen(function*() {
          for (let i = 0; i < 600; i++) {
            const pids = new Set(starts(log).map(([, pid]) => pid))
            const busy = runners.find((runner) => pids.has(runner.child.pid!))
            if (busy !== undefined && starts(log).length >= 20) return busy
            yield* Effect.sleep("50 millis")
          }
          return yield* Effect.die(new Error("no runner started the work"))
        })
        const killedAt = Date.now()
        victim.child.kill("SIGKILL")
        assert.isDefined(yield* Effect.promise(() => exited(victim.child, 30_000)))
        yield* Fiber.join(fiber)
        const allIn = Date.now() - killedAt

        assert.strictEqual(deliveries, 200, "each result delivered once")
        assert.deepStrictEqual([...results.keys()].sort((a, b) => a - b), inputs.map(({ n }) => n))
        for (const [n, square] of results) assert.strictEqual(square, n * n)
        const ran = starts(log)
        const survivor = runners.find((runner) => runner !== victim)!
        // At least once: every task started; some of the dead runner's ran again on the survivor.
        assert.deepStrictEqual([...new Set(ran.map(([n]) => n))].sort((a, b) => a - b), inputs.map(({ n }) => n))
        assert.isTrue(ran.some(([, pid]) => pid === survivor.child.pid))
        console.log(
          `failover: ${ran.length} task starts for 200 tasks (${ran.length - 200} ran twice); ` +
            `all results in ${allIn} ms after the SIGKILL`
        )
      }).pipe(Effect.scoped),
    180_000
  )
})

describe("PostgreSQL restarted in the middle of a batch", () => {
  it.live("the batch is delayed, nothing is lost, each result arrives once", () =>
    Effect.gen(function*() {
      const log = join(dir, "restart-starts")
      const pool = yield* ClusterPool.make({ databaseUrl: pg.url, secret, batchSize: 10 })
      const inputs = Array.from({ length: 100 }, (_, n) => ({ n, log, ms: 40 }))
      let deliveries = 0
      const results = new Map<number, number>()
      const fiber = yield* Effect.forkChild(
        Effect.forEach(inputs, (input) =>
          Effect.map(pool.apply(T.slowSquare, input), (square) => {
            deliveries++
            results.set(input.n, square)
          }), { concurrency: "unbounded" })
      )
      yield* startsReach(log, 10)
      const restartedAt = Date.now()
      yield* Effect.promise(() => pg.restart())
      yield* Fiber.join(fiber)
      assert.strictEqual(deliveries, 100, "each result delivered once")
      for (const { n } of inputs) assert.strictEqual(results.get(n), n * n)
      const alive = runners.filter((runner) => runner.child.exitCode === null && runner.child.signalCode === null)
      assert.isAbove(alive.length, 0, "a runner survived the database restart")
      console.log(`database restart: all results in ${Date.now() - restartedAt} ms after the restart began`)
    }).pipe(Effect.scoped), 180_000)
})
