/**
 * `ClusterRunner`: one machine's share of a corun cluster — Python's
 * `BaseManager` worker that takes tasks from the master's queue (its
 * `task_worker.py`), on Effect Cluster. A runner joins the cluster through
 * PostgreSQL, hosts the `corun/TaskBatch` entity, and runs every batch it is
 * sent on its own local `NodePool` (all its cores, the tasks module it was
 * started with). Start one per machine with the `corun-runner` command, or
 * launch the layer yourself:
 *
 * ```ts
 * Layer.launch(ClusterRunner.layer({
 *   tasks: new URL("./tasks.ts", import.meta.url),
 *   databaseUrl: "postgres://…",
 *   secret: Redacted.make(process.env.CORUN_SECRET!),
 *   listen: { host: "0.0.0.0", port: 34431 },
 *   advertise: { host: "10.0.0.5", port: 34431 }
 * })).pipe(NodeRuntime.runMain)
 * ```
 *
 * Every connection to a runner — clients, other runners, health checks —
 * must prove the shared secret first (a signed handshake; see the README's
 * "Scaling out"), and every batch carries a signature a runner checks
 * before it runs anything: the database alone does not let anyone submit
 * work.
 *
 * Delivery is at least once: when a runner dies in the middle of a batch,
 * the runner that takes its shards over runs the batch again (a task body
 * may run twice); its caller still gets each result exactly once.
 *
 * @since 0.1.0
 */
import { Errors, Pool } from "@corun/core"
import * as Backend from "@corun/core/Backend"
import { NodePool } from "@corun/node"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as RunnerAddress from "effect/cluster/RunnerAddress"
import type * as ShardingConfig from "effect/cluster/ShardingConfig"
import * as Config from "effect/Config"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type * as SocketServer from "effect/socket/SocketServer"
import type * as SqlError from "effect/sql/SqlError"
import * as Tracer from "effect/Tracer"
import * as Membership from "./internal/membership.ts"
import * as Protocol from "./internal/protocol.ts"
import * as Retention from "./internal/retention.ts"
import * as Transport from "./internal/transport.ts"

const Validation = Backend.Validation

/** A host and port. */
export interface Address {
  readonly host: string
  readonly port: number
}

/**
 * The shard timings of a corun cluster, short enough that the shards of a
 * runner that died (its lock in PostgreSQL gone with its connection, its
 * heartbeat stale) are taken over within seconds, not Effect Cluster's
 * default 35 s. Every runner and client of one cluster must agree on them.
 *
 * @since 0.1.0
 * @category models
 */
export const shardingDefaults: Partial<ShardingConfig.ShardingConfig["Service"]> = {
  shardLockExpiration: Duration.seconds(3),
  shardLockRefreshInterval: Duration.seconds(1),
  refreshAssignmentsInterval: Duration.millis(500),
  runnerHealthCheckInterval: Duration.seconds(2),
  entityMessagePollInterval: Duration.seconds(1),
  entityReplyPollInterval: Duration.millis(50),
  sendRetryInterval: Duration.millis(50),
  shardsPerGroup: 60
}

/**
 * Options of a runner.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** The tasks module its pool runs (as `NodePool`'s `tasks`): the module the clients' tasks come from. */
  readonly tasks: URL | string
  /** The cluster's PostgreSQL (`postgres://user:password@host:port/database`). */
  readonly databaseUrl: Redacted.Redacted<string> | string
  /** The cluster's shared secret (Python's `authkey`). Never logged, never stored. */
  readonly secret: Redacted.Redacted<string> | string
  /** Where it listens. Default `127.0.0.1:34431`. */
  readonly listen?: Address | undefined
  /** The address other runners and clients reach it at. Default: `listen`. */
  readonly advertise?: Address | undefined
  /** Its pool's workers. Default: the machine's cores. */
  readonly size?: number | undefined
  /** Its pool's runtime. Default `"thread"`. */
  readonly runtime?: "thread" | "process" | undefined
  /**
   * How long processed messages and their replies stay in the database
   * (Effect Cluster keeps them forever; runners sweep them). Default 10
   * minutes: longer than any caller takes to read its reply.
   */
  readonly retention?: Duration.Input | undefined
  /** How often it sweeps. Default 1 minute. */
  readonly sweepInterval?: Duration.Input | undefined
}

const reveal = (value: Redacted.Redacted<string> | string): string =>
  Redacted.isRedacted(value) ? Redacted.value(value) : value

/** Runs one batch's jobs on the local pool: each job's end, in order. */
const runJobs = (
  backend: Backend.PoolBackend.PoolBackend,
  records: ReadonlyArray<Protocol.JobRecord>
): Effect.Effect<Array<Protocol.EndRecord>> =>
  Effect.callback<Array<Protocol.EndRecord>>((resume) => {
    const ends: Array<Protocol.EndRecord | undefined> = new Array(records.length)
    let left = records.length
    if (left === 0) return resume(Effect.succeed([]))
    const handles = records.map((record, i) => {
      // What the task logs and the spans it opens go back with its end (at
      // most `MAX_NOTES`; the caller hears how many more there were).
      let notes: Array<Protocol.Note> | undefined
      let dropped = 0
      const note = (record: Protocol.Note) => {
        if ((notes ??= []).length < Protocol.MAX_NOTES) notes.push(record)
        else dropped++
      }
      const trace = record.trace ?? null
      const job: Backend.PoolBackend.Job = {
        task: record.task,
        chunk: record.chunk,
        payload: record.payload,
        transfer: undefined,
        timeoutMs: record.timeoutMs ?? undefined,
        wantsProgress: false,
        parentSpan: trace === null ? undefined : Tracer.externalSpan({ traceId: trace[0], spanId: trace[1] }),
        spanStart: (spanId, parent, name, kind, startTime) =>
          note([Protocol.NOTE_SPAN_START, spanId, parent, name, kind, startTime]),
        spanEnd: (spanId, endTime, exit, attributes, events) =>
          note([Protocol.NOTE_SPAN_END, spanId, endTime, Protocol.encodeSpanExit(exit), attributes, events]),
        running: () => {},
        progress: () => {},
        log: (level, message, annotations, cause) => note([Protocol.NOTE_LOG, level, message, annotations, cause]),
        end: (kind, value, partial) => {
          if (ends[i] !== undefined) return
          if (dropped > 0) {
            notes!.push([
              Protocol.NOTE_LOG,
              "Warn",
              `${dropped} more log records and spans of this task were dropped on its runner (at most ${Protocol.MAX_NOTES} travel back)`,
              undefined,
              undefined
            ])
          }
          ends[i] = [kind, Protocol.encodeEndValue(kind, value), partial ?? null, notes ?? null]
          if (--left === 0) resume(Effect.succeed(ends as Array<Protocol.EndRecord>))
        }
      }
      return backend.start(job)
    })
    // The batch is abandoned (its runner shuts down): its jobs stop here,
    // and the runner that takes the shard over runs the batch again.
    return Effect.sync(() => handles.forEach((handle) => backend.cancel(handle)))
  })

/** The ends of a batch as a body; an end whose value cannot be serialized becomes a defect of its own. */
const packEnds = (ends: Array<Protocol.EndRecord>): string => {
  try {
    return Protocol.pack(ends)
  } catch {
    return Protocol.pack(ends.map((end): Protocol.EndRecord => {
      try {
        Protocol.pack(end)
        return end
      } catch {
        // Its notes, not its result, if those were the problem.
      }
      const bare: Protocol.EndRecord = [end[0], end[1], end[2], null]
      try {
        Protocol.pack(bare)
        return bare
      } catch (error) {
        return [
          Backend.PoolBackend.Die,
          Protocol.encodeEndValue(
            Backend.PoolBackend.Die,
            new Error(`the task's result cannot be sent back from the runner: ${String(error)}`)
          ),
          null
        ]
      }
    }))
  }
}

/** The `corun/TaskBatch` entity, on the local pool. */
const entityLayer = (key: Buffer) =>
  Protocol.TaskBatch.toLayer(
    Effect.gen(function*() {
      const pool = yield* Pool.Pool
      const backend = Backend.PoolBackend.backendOf(pool)
      if (backend === undefined) return yield* Effect.die(new Error("a runner's pool must be made by NodePool"))
      return Protocol.TaskBatch.of({
        Run: ({ address, payload }) =>
          Effect.gen(function*() {
            const entityId = address.entityId
            if (!Protocol.verify(key, "batch", payload.batchId, entityId, payload.body, payload.signature)) {
              return yield* Effect.fail(
                new Protocol.BadSignature({
                  message: `batch ${payload.batchId} is not signed with this cluster's secret for entity ` +
                    `${entityId}: refused`
                })
              )
            }
            const records = Protocol.unpack(payload.body) as Array<Protocol.JobRecord>
            const ends = yield* runJobs(backend, records)
            // An output V8 cannot copy fails its own job, not the batch.
            const body = packEnds(ends)
            return { body, signature: Protocol.sign(key, "ends", payload.batchId, entityId, body) }
          })
      })
    }),
    { concurrency: "unbounded", maxIdleTime: "1 minute" }
  )

/**
 * A runner as a layer: launch it (`Layer.launch`) to join the cluster until
 * the program is stopped. Fails at start with `InvalidArgumentError` for a
 * bad option, and with the socket server's error when it cannot listen.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (
  options: Options
): Layer.Layer<
  never,
  Errors.InvalidArgumentError | SocketServer.SocketServerError | SqlError.SqlError | Membership.ClusterAuthError
> =>
  Layer.unwrap(Effect.gen(function*() {
    // Every option is checked before the runner joins.
    const retention = Validation.durationMillis(options.retention ?? "10 minutes", "retention")
    if (retention instanceof Errors.InvalidArgumentError) return yield* retention
    const sweepInterval = Validation.durationMillis(options.sweepInterval ?? "1 minute", "sweepInterval")
    if (sweepInterval instanceof Errors.InvalidArgumentError) return yield* sweepInterval
    const listen = options.listen ?? { host: "127.0.0.1", port: 34431 }
    const advertise = options.advertise ?? listen
    const config: Partial<ShardingConfig.ShardingConfig["Service"]> = {
      ...shardingDefaults,
      runnerAddress: Option.some(RunnerAddress.make(advertise.host, advertise.port)),
      runnerListenAddress: Option.some(RunnerAddress.make(listen.host, listen.port))
    }
    const database = PgClient.layer({
      url: Redacted.isRedacted(options.databaseUrl) ? options.databaseUrl : Redacted.make(options.databaseUrl),
      maxConnections: 20
    })
    const pool = NodePool.layer({ tasks: options.tasks, size: options.size, runtime: options.runtime })
    const sweeper = Layer.effectDiscard(
      Effect.forkScoped(
        Retention.sweepEvery(
          Duration.millis(retention ?? Number.MAX_SAFE_INTEGER),
          Duration.millis(sweepInterval ?? Number.MAX_SAFE_INTEGER)
        )
      )
    )
    // The secret is checked against the cluster's (and its key derived)
    // before the runner registers or listens.
    const member = Layer.unwrap(
      Effect.map(Membership.join(reveal(options.secret), "runner"), (key) =>
        Layer.merge(entityLayer(key), sweeper).pipe(Layer.provide(Transport.runnerLayer(key, config))))
    )
    return member.pipe(Layer.provide(database), Layer.provide(pool))
  }))

/**
 * A runner's options from configuration (environment variables by default;
 * the `corun-runner` command maps its flags onto the same names):
 * `CORUN_TASKS` (the tasks module: a path or URL), `DATABASE_URL`,
 * `CORUN_SECRET`, `CORUN_LISTEN_HOST` (default `127.0.0.1`), `CORUN_PORT`
 * (default 34431), `CORUN_ADVERTISE_HOST` (default: the listen host),
 * `CORUN_POOL_SIZE` (default: the cores), `CORUN_RUNTIME` (`thread` or
 * `process`), `CORUN_RETENTION` and `CORUN_SWEEP_INTERVAL` (durations, such
 * as `10 minutes`).
 *
 * @since 0.1.0
 * @category config
 */
export const config: Config.Config<Options> = Config.all({
  tasks: Config.String("CORUN_TASKS"),
  databaseUrl: Config.Redacted("DATABASE_URL"),
  secret: Config.Redacted("CORUN_SECRET"),
  listenHost: Config.String("CORUN_LISTEN_HOST").pipe(Config.withDefault("127.0.0.1")),
  port: Config.Port("CORUN_PORT").pipe(Config.withDefault(34431)),
  advertiseHost: Config.option(Config.String("CORUN_ADVERTISE_HOST")),
  size: Config.option(Config.Int("CORUN_POOL_SIZE")),
  runtime: Config.option(Config.Literals(["thread", "process"], "CORUN_RUNTIME")),
  retention: Config.option(Config.Duration("CORUN_RETENTION")),
  sweepInterval: Config.option(Config.Duration("CORUN_SWEEP_INTERVAL"))
}).pipe(Config.map((c): Options => ({
  tasks: c.tasks,
  databaseUrl: c.databaseUrl,
  secret: c.secret,
  listen: { host: c.listenHost, port: c.port },
  advertise: { host: Option.getOrElse(c.advertiseHost, () => c.listenHost), port: c.port },
  size: Option.getOrUndefined(c.size),
  runtime: Option.getOrUndefined(c.runtime),
  retention: Option.getOrUndefined(c.retention),
  sweepInterval: Option.getOrUndefined(c.sweepInterval)
})))

/**
 * `layer` with its options from `config`.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig: Layer.Layer<
  never,
  | Errors.InvalidArgumentError
  | SocketServer.SocketServerError
  | SqlError.SqlError
  | Membership.ClusterAuthError
  | Config.ConfigError
> = Layer.unwrap(Effect.map(config, layer))
