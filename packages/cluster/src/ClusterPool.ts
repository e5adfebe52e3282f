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
 * dropped. A job's `timeout` is enforced by the runner's pool (from the
 * job's start); the client gives up on it itself 10 s after the longest
 * timeout of its batch when no answer comes (no runner alive), with
 * `TaskTimeout` — never, when a job of the batch has no timeout. Values
 * cross as between the pool's workers (V8's structured clone). A task's
 * log records and spans come back with its end and reach the caller's
 * loggers and tracer just before it (as from a local pool, but not live;
 * at most 1,000 per job, a warning counting the rest). Progress
 * values (`onProgress`, `pool.progress`) do not cross the cluster: a
 * cluster pool's futures report none.
 *
 * @since 0.1.0
 */
import { Errors, Pool } from "@corun/core"
import * as Backend from "@corun/core/Backend"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as RunnerStorage from "effect/cluster/RunnerStorage"
import * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as SqlRunnerStorage from "effect/cluster/SqlRunnerStorage"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
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
  /**
   * How long `awaitReady` waits for a runner to be up before it fails with
   * `WorkerCrashed` (reason `"startup"`). Default 30 seconds.
   */
  readonly startupTimeout?: import("effect/Duration").Input | undefined
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

/**
 * How long past a job's own timeout the client waits for its answer before
 * it ends the job with `TaskTimeout` itself (no runner alive, a runner cut
 * off): the runner's pool counts the timeout from the job's start, the
 * client from its sending.
 */
const CLIENT_GRACE_MS = 10_000

/** How often `awaitReady` looks for a runner. */
const RUNNER_POLL_MS = 250

class ClusterBackend implements Backend.PoolBackend.PoolBackend<Handle> {
  readonly size: number
  readonly window: number
  readonly taskTimeoutMs: number | undefined
  readonly progressBufferSize = 0
  private closed = false
  private readonly queued: Array<Handle> = []
  private flushScheduled = false
  private readonly running = new Set<Handle>()
  /** Jobs started and not ended: `join` waits for none. */
  private outstanding = 0
  private completed = 0
  private nextEntity = 0
  private readonly idle = new Set<() => void>()
  /** The batches on their way: interrupted when the pool is terminated. */
  private readonly sending = new Set<Fiber.Fiber<unknown, unknown>>()
  private readonly key: Buffer
  private readonly send: Send
  private readonly batchSize: number
  private readonly spread: number
  /** Whether a runner is up now (registered and healthy, its heartbeat fresh). */
  private readonly runnerUp: Effect.Effect<boolean>
  private readonly startupTimeoutMs: number

  constructor(
    key: Buffer,
    send: Send,
    size: number,
    batchSize: number,
    spread: number,
    taskTimeoutMs: number | undefined,
    runnerUp: Effect.Effect<boolean>,
    startupTimeoutMs: number
  ) {
    this.runnerUp = runnerUp
    this.startupTimeoutMs = startupTimeoutMs
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
    this.outstanding++
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
    this.outstanding--
    handle.job.end(kind, value, partial)
    if (this.outstanding === 0) { for (const wake of this.idle) wake() }
  }

  private sendBatch(handles: Array<Handle>) {
    // A job may have ended since it was queued (cancelled, or stopped by a
    // sibling's failure in `map`): only the ones still queued leave.
    const record = ({ job }: Handle): Protocol.JobRecord => ({
      task: job.task,
      chunk: job.chunk,
      payload: job.payload,
      timeoutMs: job.timeoutMs ?? null,
      trace: job.parentSpan === undefined ? null : [job.parentSpan.traceId, job.parentSpan.spanId]
    })
    let live = handles.filter((handle) => handle.state === "queued")
    let body: string
    try {
      body = Protocol.pack(live.map(record))
    } catch {
      // One of them cannot be copied (a function, a symbol): it fails alone.
      // Ending it may stop others (`map` stops at its first failure): the
      // batch is what is still queued after that.
      const bad: Array<[Handle, unknown]> = []
      for (const handle of live) {
        try {
          Protocol.pack(record(handle))
        } catch (error) {
          bad.push([handle, error])
        }
      }
      for (const [handle, error] of bad) {
        this.end(
          handle,
          End.Error,
          new Errors.InputEncodingError({
            task: handle.job.task,
            message: `the encoded input of "${handle.job.task}" cannot be sent to the cluster: ${String(error)}`
          }),
          undefined
        )
      }
      live = live.filter((handle) => handle.state === "queued")
      body = Protocol.pack(live.map(record))
    }
    const sent = live
    if (sent.length === 0) return
    for (const handle of sent) {
      handle.state = "sent"
      this.running.add(handle)
      handle.job.running()
    }
    const batchId = randomUUID()
    const entityId = `b${this.nextEntity++ % this.spread}`
    const signature = Protocol.sign(this.key, "batch", batchId, entityId, body)
    const fiber = Effect.runFork(this.send(entityId, { batchId, body, signature }))
    this.sending.add(fiber)
    const deadline = this.deadline(sent, batchId)
    fiber.addObserver((exit) => {
      this.sending.delete(fiber)
      if (deadline !== undefined) clearTimeout(deadline)
      if (Exit.isFailure(exit)) {
        return this.failAll(sent, `the cluster could not run batch ${batchId}: ${String(exit.cause)}`)
      }
      const answer = exit.value
      if (!Protocol.verify(this.key, "ends", batchId, entityId, answer.body, answer.signature)) {
        return this.failAll(sent, `the answer to batch ${batchId} is not signed with this cluster's secret`)
      }
      let ends: Array<Protocol.EndRecord>
      try {
        ends = Protocol.unpack(answer.body) as Array<Protocol.EndRecord>
        if (!Array.isArray(ends) || ends.length !== sent.length) throw new Error(`${sent.length} ends expected`)
      } catch (error) {
        return this.failAll(sent, `the answer to batch ${batchId} is malformed: ${String(error)}`)
      }
      sent.forEach((handle, i) => {
        const [kind, value, partial, notes] = ends[i]!
        let decoded: unknown
        try {
          decoded = Protocol.decodeEndValue(kind, value, handle.job.task)
        } catch (error) {
          return this.failAll([handle], `the end of a job of batch ${batchId} is malformed: ${String(error)}`)
        }
        // Its log records and spans reach the caller before its end.
        if (handle.state !== "done") Protocol.deliverNotes(handle.job, notes)
        this.end(handle, kind, decoded, partial ?? undefined)
      })
    })
  }

  /**
   * The client's own deadline of a batch whose jobs have timeouts: their
   * longest, plus `CLIENT_GRACE_MS`; a job still unanswered then ends with
   * `TaskTimeout` (its runner, if any, goes on; its answer is dropped).
   */
  private deadline(sent: ReadonlyArray<Handle>, batchId: string) {
    let longest = 0
    for (const { job } of sent) {
      if (job.timeoutMs === undefined) return undefined
      longest = Math.max(longest, job.timeoutMs)
    }
    return setTimeout(() => {
      for (const handle of sent) {
        this.end(
          handle,
          End.Error,
          new Errors.TaskTimeout({
            task: handle.job.task,
            timeoutMillis: handle.job.timeoutMs!,
            message: `task "${handle.job.task}" got no answer from the cluster within its timeout ` +
              `(${handle.job.timeoutMs} ms) and ${CLIENT_GRACE_MS} ms more (batch ${batchId}: no runner took it, ` +
              `or its runner was cut off)`
          }),
          undefined
        )
      }
    }, Math.min(longest + CLIENT_GRACE_MS, 2 ** 31 - 1))
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
    // The batches on their way are interrupted: Effect Cluster records an
    // interruption for each, and a runner that had it stops it.
    return Fiber.interruptAll([...this.sending])
  })

  readonly join: Effect.Effect<void, Errors.PoolStillRunning> = Effect.suspend(() => {
    if (!this.closed) {
      return Effect.fail(
        new Errors.PoolStillRunning({ message: "join() needs close() or terminate() first (Python's rule)" })
      )
    }
    if (this.outstanding === 0) return Effect.void
    return Effect.callback<void>((resume) => {
      const wake = () => {
        this.idle.delete(wake)
        resume(Effect.void)
      }
      this.idle.add(wake)
      return Effect.sync(() => this.idle.delete(wake))
    })
  })

  /**
   * Waits until a runner is up (the cluster can take work), polling the
   * runners' table; fails with `WorkerCrashed` (reason `"startup"`) when
   * none is within `startupTimeout`.
   */
  get awaitReady(): Effect.Effect<void, Errors.WorkerCrashed> {
    return Effect.suspend(() => {
      const deadline = Date.now() + this.startupTimeoutMs
      const poll: Effect.Effect<void, Errors.WorkerCrashed> = Effect.flatMap(this.runnerUp, (up) => {
        if (up) return Effect.void
        if (Date.now() >= deadline) {
          return Effect.fail(
            new Errors.WorkerCrashed({
              task: "",
              worker: -1,
              reason: "startup",
              message: `no runner of the cluster was up within ${this.startupTimeoutMs} ms: ` +
                `start one (corun-runner --tasks … --database-url …) with the cluster's secret`
            })
          )
        }
        return Effect.andThen(Effect.sleep(RUNNER_POLL_MS), poll)
      })
      return poll
    })
  }

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
    const startupTimeout = options.startupTimeout === undefined
      ? 30_000
      : Validation.timeoutMillis(options.startupTimeout, "startupTimeout")
    if (startupTimeout instanceof Errors.InvalidArgumentError) return yield* startupTimeout
    const config: Partial<ShardingConfig.ShardingConfig["Service"]> = shardingDefaults
    const database = yield* Layer.build(
      PgClient.layer({
        url: Redacted.isRedacted(options.databaseUrl) ? options.databaseUrl : Redacted.make(options.databaseUrl),
        maxConnections: 10
      })
    )
    // A client with another secret stops here, before it sends anything.
    const key = yield* Effect.provide(Membership.join(reveal(options.secret), "client", !unchecked), database)
    const services = yield* Layer.build(
      Transport.clientLayer(key, config).pipe(Layer.provide(Layer.succeedContext(database)))
    )
    const clientFor = yield* Effect.provide(Protocol.TaskBatch.client, services)
    const send: Send = (entityId, payload) => clientFor(entityId).Run(payload)
    // The runners' table, read as Effect Cluster reads it (a runner counts
    // while its heartbeat is fresh), for `awaitReady`.
    const runners = Context.get(
      yield* Layer.build(
        SqlRunnerStorage.layer.pipe(
          Layer.provide(Layer.succeedContext(database)),
          Layer.provide(ShardingConfig.layer(config))
        )
      ),
      RunnerStorage.RunnerStorage
    )
    const runnerUp = runners.getRunners.pipe(
      Effect.map((list) => list.some(([, healthy]) => healthy)),
      Effect.orElseSucceed(() => false)
    )
    const backend = new ClusterBackend(
      key,
      send,
      size,
      batchSize,
      spread,
      timeout,
      runnerUp,
      startupTimeout ?? Infinity
    )
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
