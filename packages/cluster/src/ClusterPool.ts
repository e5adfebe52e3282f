/**
 * `ClusterPool`: the `Pool` service on a corun cluster — Python's
 * `BaseManager` master (its `task_master.py`: a task queue and a result
 * queue on the network, with an `authkey`), as the very pool API the local
 * `NodePool` gives: `apply`, `applyAsync`, `map`, `imap` / `imapUnordered`,
 * the executor, `wait`, `asCompleted`. Moving a program from its machine to
 * the cluster is a change of `Layer`:
 *
 * ```ts
 * const program = Effect.gen(function*() {
 *   const pool = yield* Pool.Pool
 *   return yield* pool.map(square, [1, 2, 3])
 * })
 * program.pipe(Effect.provide(NodePool.layer({ tasks })))                        // one machine
 * program.pipe(Effect.provide(ClusterPool.layer({ databaseUrl, secret })))       // the cluster
 * ```
 *
 * Jobs leave in batches (up to `batchSize` per message, or what arrived in
 * one tick), each a persisted Effect Cluster message keyed by its batch id
 * and signed with the cluster's secret; a runner runs the batch on its own
 * pool and answers with each job's end, signed too. A batch whose runner
 * dies is run again by the runner that takes its shard over, and answered
 * once: every result reaches its caller exactly once (a task body may run
 * twice). A client holds no shard and listens on nothing.
 *
 * Cancelling a job that has left (a `timeout` of `apply`, a cancelled
 * future) ends it here at once; the runner finishes it and its result is
 * dropped. A job's `timeout` is enforced by the runner's pool.
 *
 * @since 0.1.0
 */
import { Errors, Pool } from "@corun/core"
import * as Backend from "@corun/core/Backend"
import * as PgClient from "@effect/sql-pg/PgClient"
import type * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import type * as SqlError from "effect/sql/SqlError"
import { randomUUID } from "node:crypto"
import { shardingDefaults } from "./ClusterRunner.ts"
import * as Handshake from "./internal/handshake.ts"
import * as Membership from "./internal/membership.ts"
import * as Protocol from "./internal/protocol.ts"
import * as Transport from "./internal/transport.ts"

const Validation = Backend.Validation
const End = Backend.PoolBackend

/**
 * Options of a cluster pool.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The cluster's PostgreSQL. */
  readonly databaseUrl: Redacted.Redacted<string> | string
  /** The cluster's shared secret (Python's `authkey`). Never logged, never stored. */
  readonly secret: Redacted.Redacted<string> | string
  /**
   * The pool's size as callers see it (`map`'s default chunksize is
   * `ceil(n / (size × 4))`): the workers of all runners. Default 8.
   */
  readonly size?: number | undefined
  /** Jobs per message at most. Default 256. */
  readonly batchSize?: number | undefined
  /** The timeout of calls without one (counted by the runner's pool). */
  readonly taskTimeout?: import("effect/Duration").Input | undefined
  /** Entity ids the batches are spread over (each is a shard's worth of work). Default 64. */
  readonly spread?: number | undefined
}

/** A job, and where it is. */
interface Handle {
  readonly job: Backend.PoolBackend.Job
  state: "queued" | "sent" | "done"
}

const reveal = (value: Redacted.Redacted<string> | string): string =>
  Redacted.isRedacted(value) ? Redacted.value(value) : value

type Send = (
  entityId: string,
  payload: { readonly batchId: string; readonly body: string; readonly signature: string }
) => Effect.Effect<{ readonly body: string; readonly signature: string }, unknown>

class ClusterBackend implements Backend.PoolBackend.PoolBackend<Handle> {
  readonly size: number
  readonly window: number
  readonly taskTimeoutMs: number | undefined
  readonly progressBufferSize = 0
  private closed = false
  private readonly queued: Array<Handle> = []
  private flushScheduled = false
  private readonly running = new Set<Handle>()
  private completed = 0
  private nextEntity = 0
  private readonly idle: Array<() => void> = []
  /** The batches on their way: interrupted when the pool is terminated. */
  private readonly sending = new Set<Fiber.Fiber<unknown, unknown>>()
  private readonly key: Buffer
  private readonly send: Send
  private readonly batchSize: number
  private readonly spread: number

  constructor(
    key: Buffer,
    send: Send,
    size: number,
    batchSize: number,
    spread: number,
    taskTimeoutMs: number | undefined
  ) {
    this.key = key
    this.send = send
    this.batchSize = batchSize
    this.spread = spread
    this.size = size
    this.window = Math.max(2 * batchSize, size * 4)
    this.taskTimeoutMs = taskTimeoutMs
  }

  readonly isClosed = () => this.closed

  readonly start = (job: Backend.PoolBackend.Job): Handle => {
    const handle: Handle = { job, state: "queued" }
    this.queued.push(handle)
    if (!this.flushScheduled) {
      this.flushScheduled = true
      setImmediate(this.flush)
    }
    return handle
  }

  private readonly flush = () => {
    this.flushScheduled = false
    while (this.queued.length > 0) this.sendBatch(this.queued.splice(0, this.batchSize))
  }

  private end(
    handle: Handle,
    kind: Backend.PoolBackend.EndKind,
    value: unknown,
    partial: ReadonlyArray<unknown> | undefined
  ) {
    if (handle.state === "done") return
    handle.state = "done"
    this.running.delete(handle)
    this.completed++
    handle.job.end(kind, value, partial)
    if (this.running.size === 0 && this.queued.length === 0) this.idle.splice(0).forEach((wake) => wake())
  }

  private sendBatch(handles: Array<Handle>) {
    const records: Array<Protocol.JobRecord> = []
    const sent: Array<Handle> = []
    for (const handle of handles) {
      const { job } = handle
      const record: Protocol.JobRecord = {
        task: job.task,
        chunk: job.chunk,
        payload: job.payload,
        timeoutMs: job.timeoutMs ?? null
      }
      try {
        JSON.stringify(record)
      } catch (error) {
        this.end(
          handle,
          End.Error,
          new Errors.InputEncodingError({
            task: job.task,
            message: `the encoded input of "${job.task}" cannot go to the cluster as JSON: ${String(error)}`
          }),
          undefined
        )
        continue
      }
      handle.state = "sent"
      this.running.add(handle)
      job.running()
      records.push(record)
      sent.push(handle)
    }
    if (sent.length === 0) return
    const batchId = randomUUID()
    const body = JSON.stringify(records)
    const signature = Protocol.sign(this.key, "batch", batchId, body)
    const entityId = `b${this.nextEntity++ % this.spread}`
    const fiber = Effect.runFork(this.send(entityId, { batchId, body, signature }))
    this.sending.add(fiber)
    fiber.addObserver((exit) => {
      this.sending.delete(fiber)
      if (Exit.isSuccess(exit)) {
        const answer = exit.value
        if (!Protocol.verify(this.key, "ends", batchId, answer.body, answer.signature)) {
          return this.failAll(sent, `the answer to batch ${batchId} is not signed with this cluster's secret`)
        }
        const ends = JSON.parse(answer.body) as Array<Protocol.EndRecord>
        sent.forEach((handle, i) => {
          const [kind, value, partial] = ends[i] ?? [End.Error, undefined, null]
          this.end(handle, kind, Protocol.decodeEndValue(kind, value, handle.job.task), partial ?? undefined)
        })
        return
      }
      this.failAll(sent, `the cluster could not run batch ${batchId}: ${String(exit.cause)}`)
    })
  }

  private failAll(handles: ReadonlyArray<Handle>, message: string) {
    for (const handle of handles) {
      this.end(
        handle,
        End.Error,
        new Errors.WorkerCrashed({ task: handle.job.task, worker: -1, reason: "exception", message }),
        undefined
      )
    }
  }

  readonly cancel = (handle: Handle): void => {
    if (handle.state === "queued") {
      const at = this.queued.indexOf(handle)
      if (at >= 0) this.queued.splice(at, 1)
    }
    // A job that left is finished by its runner; its result is dropped here.
    this.end(handle, End.Interrupted, undefined, undefined)
  }

  readonly close = Effect.sync(() => {
    this.closed = true
  })

  readonly terminate = Effect.suspend(() => {
    this.closed = true
    for (const handle of [...this.queued, ...this.running]) this.end(handle, End.Interrupted, undefined, undefined)
    this.queued.length = 0
    // The batches still on their way are abandoned here (a runner that got
    // one finishes it; its answer stays in the database until swept).
    const sending = [...this.sending]
    return Effect.asVoid(Effect.forEach(sending, (fiber) => Fiber.interrupt(fiber), { discard: true }))
  })

  readonly join: Effect.Effect<void, Errors.PoolStillRunning> = Effect.suspend(() => {
    if (!this.closed) {
      return Effect.fail(
        new Errors.PoolStillRunning({ message: "join() needs close() or terminate() first (Python's rule)" })
      )
    }
    if (this.running.size === 0 && this.queued.length === 0) return Effect.void
    return Effect.callback<void>((resume) => {
      this.idle.push(() => resume(Effect.void))
    })
  })

  readonly awaitReady = Effect.void

  readonly stats = Effect.sync((): Pool.Stats => ({
    size: this.size,
    workers: this.size,
    queued: this.queued.length,
    running: this.running.size,
    completed: this.completed,
    spawned: this.size
  }))
}

/**
 * A pool on the cluster, for the scope: its jobs go to the runners through
 * PostgreSQL and authenticated connections. Fails with
 * `InvalidArgumentError` for a bad option, with `ClusterAuthError` when its
 * secret is not the cluster's, with `SqlError` when the database cannot be
 * reached.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (
  options: Options
): Effect.Effect<
  Pool.PoolService,
  Errors.InvalidArgumentError | SqlError.SqlError | Membership.ClusterAuthError,
  Scope.Scope
> => makeWith(options, false)

/**
 * `make` without the membership check: a client whose batches the runners
 * must refuse by their signature alone (the tests of that defence).
 *
 * @internal
 */
export const makeUnchecked = (
  options: Options
): Effect.Effect<Pool.PoolService, Errors.InvalidArgumentError | SqlError.SqlError, Scope.Scope> =>
  makeWith(options, true) as Effect.Effect<
    Pool.PoolService,
    Errors.InvalidArgumentError | SqlError.SqlError,
    Scope.Scope
  >

const makeWith = (
  options: Options,
  unchecked: boolean
): Effect.Effect<
  Pool.PoolService,
  Errors.InvalidArgumentError | SqlError.SqlError | Membership.ClusterAuthError,
  Scope.Scope
> =>
  Effect.gen(function*() {
    const size = Validation.positiveCount(options.size ?? 8, "size")
    if (size instanceof Errors.InvalidArgumentError) return yield* size
    const batchSize = Validation.positiveCount(options.batchSize ?? 256, "batchSize")
    if (batchSize instanceof Errors.InvalidArgumentError) return yield* batchSize
    const spread = Validation.positiveCount(options.spread ?? 64, "spread")
    if (spread instanceof Errors.InvalidArgumentError) return yield* spread
    const timeout = options.taskTimeout === undefined ? undefined : Validation.timeoutMillis(options.taskTimeout)
    if (timeout instanceof Errors.InvalidArgumentError) return yield* timeout
    const key = Handshake.deriveKey(reveal(options.secret))
    const config: Partial<ShardingConfig.ShardingConfig["Service"]> = shardingDefaults
    const database = yield* Layer.build(
      PgClient.layer({
        url: Redacted.isRedacted(options.databaseUrl) ? options.databaseUrl : Redacted.make(options.databaseUrl),
        maxConnections: 10
      })
    )
    // A client with another secret stops here, before it sends anything.
    if (!unchecked) yield* Effect.provide(Membership.checkMembership(key, "client"), database)
    const services = yield* Layer.build(
      Transport.clientLayer(key, config).pipe(Layer.provide(Layer.succeedContext(database)))
    )
    const clientFor = yield* Effect.provide(Protocol.TaskBatch.client, services)
    const send: Send = (entityId, payload) => clientFor(entityId).Run(payload)
    const backend = new ClusterBackend(key, send, size, batchSize, spread, timeout)
    yield* Effect.addFinalizer(() => backend.terminate)
    return Backend.PoolBackend.makePool(backend)
  })

/**
 * `make` as a layer of the `Pool` service: the cluster in place of
 * `NodePool.layer`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<Pool.Pool, Errors.InvalidArgumentError | SqlError.SqlError | Membership.ClusterAuthError> =>
  Layer.effect(Pool.Pool, make(options))

/**
 * A cluster pool's options from configuration (environment variables by
 * default): `DATABASE_URL`, `CORUN_SECRET`, `CORUN_CLUSTER_SIZE` (the
 * pool's size as callers see it, default 8), `CORUN_BATCH_SIZE` (default
 * 256).
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  databaseUrl: Config.Redacted("DATABASE_URL"),
  secret: Config.Redacted("CORUN_SECRET"),
  size: Config.option(Config.Int("CORUN_CLUSTER_SIZE")),
  batchSize: Config.option(Config.Int("CORUN_BATCH_SIZE"))
}).pipe(Config.map((c): Options => ({
  databaseUrl: c.databaseUrl,
  secret: c.secret,
  size: Option.getOrUndefined(c.size),
  batchSize: Option.getOrUndefined(c.batchSize)
})))

/**
 * `layer` with its options from `config`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig: Layer.Layer<
  Pool.Pool,
  Errors.InvalidArgumentError | SqlError.SqlError | Membership.ClusterAuthError | Config.ConfigError
> = Layer.unwrap(Effect.map(config, layer))
