import { ClusterPool } from "@corun/cluster"
import { asCompleted, Errors, Future, Pool, wait } from "@corun/core"
import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as Option from "effect/Option"
import * as References from "effect/References"
import * as Stream from "effect/Stream"
import * as Tracer from "effect/Tracer"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll, beforeAll } from "vitest"
import { type Postgres, startPostgres } from "../../../scripts/postgres.ts"
import * as T from "./fixtures/tasks.ts"
import { psql, type RunnerProcess, startRunner, stopRunner, tasksPath } from "./helpers.ts"

const tasksUrl = pathToFileURL(tasksPath).href

const secret = "the cluster's test secret"
let pg: Postgres
const runners: Array<RunnerProcess> = []

beforeAll(async () => {
  pg = await startPostgres()
  // Processed messages are swept after 3 s here (10 minutes by default).
  const env = { CORUN_RETENTION: "3 seconds", CORUN_SWEEP_INTERVAL: "500 millis" }
  runners.push(await startRunner({ databaseUrl: pg.url, secret, env }))
  runners.push(await startRunner({ databaseUrl: pg.url, secret, env }))
}, 120_000)

afterAll(async () => {
  await Promise.all(runners.map(stopRunner))
  await pg?.stop()
}, 120_000)

describe("ClusterPool on two runner processes", () => {
  it.live(
    "a task's log records and spans reach the caller's logger and tracer",
    () =>
      Effect.gen(function*() {
        const records: Array<{ message: ReadonlyArray<unknown>; annotations: Record<string, unknown> }> = []
        const logger = Logger.make((options) => {
          records.push({
            message: Array.isArray(options.message) ? options.message : [options.message],
            annotations: { ...options.fiber.getRef(References.CurrentLogAnnotations) }
          })
        })
        const spans: Array<Tracer.NativeSpan> = []
        const tracer = Tracer.make({
          span: (options) => {
            const span = new Tracer.NativeSpan(options)
            spans.push(span)
            return span
          }
        })
        const pool = yield* ClusterPool.make({ databaseUrl: pg.url, secret })
        const value = yield* pool.apply(T.loggedDouble, 21).pipe(
          Effect.annotateLogs({ request: "r-7" }),
          Effect.withSpan("request"),
          Effect.withTracer(tracer),
          Effect.provide(Logger.layer([logger]))
        )
        assert.strictEqual(value, 42)
        const fromTask = records.filter((record) => record.annotations["corun.task"] === "loggedDouble")
        assert.deepStrictEqual(fromTask.map((record) => record.message), [["doubling on a runner", 21]])
        assert.strictEqual(fromTask[0]!.annotations.request, "r-7")
        assert.strictEqual(fromTask[0]!.annotations.step, "double")
        const request = spans.find((span) => span.name === "request")!
        const task = spans.find((span) => span.name === "loggedDouble")!
        const double = spans.find((span) => span.name === "double")!
        assert.strictEqual(Option.getOrUndefined(task.parent), request)
        assert.strictEqual(Option.getOrUndefined(double.parent), task)
        assert.strictEqual(double.attributes.get("n"), 21)
        assert.strictEqual(task.traceId, request.traceId)
        for (const span of [task, double]) assert.strictEqual(span.status._tag, "Ended")
      }).pipe(Effect.scoped),
    120_000
  )

  it.live(
    "map: ten numbers squared come back in order (the task_master / task_worker program)",
    () =>
      Effect.gen(function*() {
        const pool = yield* ClusterPool.make({ databaseUrl: pg.url, secret })
        yield* pool.awaitReady // the runners are up
        const squares = yield* pool.map(T.square, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
        assert.deepStrictEqual(squares, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81])
        const failed = yield* Effect.flip(pool.apply(T.root, -4))
        assert.deepStrictEqual(failed, new T.Negative({ n: -4 }))
        assert.strictEqual(yield* pool.apply(T.root, 16), 4)
      }).pipe(Effect.scoped),
    120_000
  )

  it.live("the jobs run in the runner processes' pools, spread over both runners", () =>
    Effect.gen(function*() {
      const pool = yield* ClusterPool.make({ databaseUrl: pg.url, secret })
      const pids = new Set<number>()
      // One batch per call (each call waits for the last), to entities of
      // every shard: both runners get some once both have joined.
      for (let i = 0; i < 400 && pids.size < 2; i++) pids.add(yield* pool.apply(T.whereAmI, i))
      assert.deepStrictEqual([...pids].sort(), runners.map((runner) => runner.child.pid!).sort())
    }).pipe(Effect.scoped), 120_000)

  it.live(
    "one program, local or on the cluster: a change of Layer (map, imap, imapUnordered, the executor, wait, asCompleted)",
    () =>
      Effect.gen(function*() {
        const program = Effect.scoped(Effect.gen(function*() {
          const pool = yield* Pool.Pool
          const inputs = Array.from({ length: 30 }, (_, i) => i)
          const mapped = yield* pool.map(T.square, inputs, { chunksize: 4 })
          const ordered = yield* Stream.runCollect(pool.imap(T.square, inputs))
          const unordered = yield* Stream.runCollect(pool.imapUnordered(T.square, inputs, { chunksize: 3 }))
          const executor = yield* Pool.makeExecutor
          const futures = yield* Effect.forEach([2, 3, 4], (n) => executor.submit(T.square, n))
          const { done } = yield* wait(futures)
          const completed = yield* Stream.runCollect(
            asCompleted(futures).pipe(Stream.mapEffect((future) => Future.result(future)))
          )
          const viaExecutor = yield* Stream.runCollect(executor.map(T.root, [1, 4, 9]))
          return {
            mapped,
            ordered: Array.from(ordered),
            unordered: Array.from(unordered).sort((a, b) => a - b),
            done: done.length,
            completed: Array.from(completed).sort((a, b) => a - b),
            viaExecutor: Array.from(viaExecutor)
          }
        }))
        const local = yield* program.pipe(Effect.provide(NodePool.layer({ tasks: new URL(tasksUrl), size: 2 })))
        const onCluster = yield* program.pipe(Effect.provide(ClusterPool.layer({ databaseUrl: pg.url, secret })))
        const squares = Array.from({ length: 30 }, (_, i) => i * i)
        assert.deepStrictEqual(local, {
          mapped: squares,
          ordered: squares,
          unordered: squares,
          done: 3,
          completed: [4, 9, 16],
          viaExecutor: [1, 2, 3]
        })
        assert.deepStrictEqual(onCluster, local)
      }),
    120_000
  )

  it.live(
    "values cross as between the pool's workers: NaN, -0, undefined, dates, maps, bytes, bigints",
    () =>
      Effect.gen(function*() {
        const pool = yield* ClusterPool.make({ databaseUrl: pg.url, secret })
        const values = [
          NaN,
          -0,
          undefined,
          new Date(0),
          new Map([[1, "one"]]),
          new Uint8Array([1, 2, 3]),
          10n,
          Infinity
        ]
        const back = yield* pool.map(T.echo, values.map((value) => ({ value })), { chunksize: 1 })
        assert.deepStrictEqual(back, values)
        assert.isTrue(Object.is(back[1], -0))
      }).pipe(Effect.scoped),
    120_000
  )

  it.live(
    "an input that cannot be sent fails map with InputEncodingError, and the rest of its batch never runs",
    () =>
      Effect.gen(function*() {
        const dir = mkdtempSync(join(tmpdir(), "corun-cluster-"))
        const log = join(dir, "ran")
        const pool = yield* ClusterPool.make({ databaseUrl: pg.url, secret })
        const inputs = [{ value: 1, log }, { value: () => 2, log }, { value: 3, log }]
        const error = yield* Effect.flip(pool.map(T.echo, inputs, { chunksize: 1 }))
        assert.instanceOf(error, Errors.InputEncodingError)
        // What was sent in the same batch was stopped with the failure: nothing ran.
        yield* Effect.sleep("1 second")
        assert.isFalse(existsSync(log))
        rmSync(dir, { recursive: true, force: true })
      }).pipe(Effect.scoped),
    120_000
  )

  it.live(
    "processed messages and their replies are swept from the database after the retention",
    () =>
      Effect.gen(function*() {
        const pool = yield* ClusterPool.make({ databaseUrl: pg.url, secret })
        assert.strictEqual(yield* pool.apply(T.square, 5), 25)
        assert.notStrictEqual(psql(pg.url, "select count(*) from cluster_messages"), "0")
        const left = () =>
          psql(pg.url, "select (select count(*) from cluster_messages) + (select count(*) from cluster_replies)")
        for (let i = 0; i < 300 && left() !== "0"; i++) yield* Effect.sleep("100 millis")
        assert.strictEqual(left(), "0")
      }).pipe(Effect.scoped),
    120_000
  )
})
