/**
 * `Progress`: how far a batch of work has got — done, failed, total, rate,
 * ETA — as a value to read and a `Stream` to watch. Pass one to a pool's
 * `map`, `imap`, `imapUnordered` or `stream` (`{ progress }`), or to
 * `Executor.map` for fibers; render it
 * with `@corun/node`'s `ProgressBar`, or consume `changes` yourself (Python
 * has no such thing built in; it is what people wrap `tqdm` around
 * `imap` for).
 *
 * ```ts
 * const progress = yield* Progress.make()
 * yield* Effect.forkChild(Stream.runForEach(progress.changes, (s) => Effect.log(`${s.done}/${s.total}`)))
 * const results = yield* pool.map(task, inputs, { progress })
 * ```
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as PubSub from "effect/PubSub"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"

const TypeId = "~@corun/core/Progress" as const

/**
 * Where the work stands.
 *
 * @since 0.1.0
 * @category models
 */
export interface Snapshot {
  /** Items that succeeded. */
  readonly done: number
  /** Items that failed (a failed chunk counts all its items). */
  readonly failed: number
  /**
   * Items known so far: the larger of the `total` given to `Progress.make`
   * and the items counted (all of them for `map`, the ones read so far for
   * a stream).
   */
  readonly total: number
  /** Since the first item was counted, in milliseconds. */
  readonly elapsedMillis: number
  /** Items finished (done or failed) per second, over the whole run so far. */
  readonly rate: number
  /** Milliseconds left at the current rate; `undefined` before the first item finished or once finished. */
  readonly etaMillis: number | undefined
  /** The work has ended: no further snapshot comes. */
  readonly finished: boolean
}

/**
 * A tracker of one batch of work.
 *
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  readonly [TypeId]: typeof TypeId
  /** The latest snapshot. */
  readonly snapshot: Effect.Effect<Snapshot>
  /**
   * The snapshots: the latest at once, then each change until the work has
   * finished (the last one has `finished: true`). A slow consumer sees the
   * latest, not every step.
   */
  readonly changes: Stream.Stream<Snapshot>
  /** For the pool: `total` more items known. */
  readonly addTotal: (items: number) => void
  /** For the pool: items ended, `done` of them successfully, `failed` not. */
  readonly record: (done: number, failed: number) => void
  /** For the pool: the work has ended. */
  readonly finish: () => void
}

class Tracker implements Progress {
  readonly [TypeId] = TypeId
  private done = 0
  private failed = 0
  private total = 0
  /** The total given to `make`: the snapshot's total is the larger of it and what the work counted. */
  private readonly expected: number
  private started: number | undefined = undefined
  private finished = false
  private latest: Snapshot
  private readonly pubsub: PubSub.PubSub<Snapshot>
  constructor(pubsub: PubSub.PubSub<Snapshot>, expected: number) {
    this.pubsub = pubsub
    this.expected = expected
    this.latest = this.compute()
    this.publish()
  }

  readonly snapshot = Effect.sync(() => this.latest)

  get changes(): Stream.Stream<Snapshot> {
    return Stream.fromPubSub(this.pubsub).pipe(Stream.takeUntil((snapshot) => snapshot.finished))
  }

  readonly addTotal = (items: number) => {
    if (this.finished) return
    this.started ??= Date.now()
    this.total += items
    this.publish()
  }

  readonly record = (done: number, failed: number) => {
    if (this.finished) return
    this.started ??= Date.now()
    this.done += done
    this.failed += failed
    this.publish()
  }

  readonly finish = () => {
    if (this.finished) return
    this.finished = true
    this.publish()
  }

  private compute(): Snapshot {
    const elapsedMillis = this.started === undefined ? 0 : Date.now() - this.started
    const ended = this.done + this.failed
    const rate = elapsedMillis > 0 ? (ended * 1000) / elapsedMillis : 0
    const total = Math.max(this.total, this.expected)
    const left = total - ended
    return {
      done: this.done,
      failed: this.failed,
      total,
      elapsedMillis,
      rate,
      etaMillis: this.finished || rate === 0 ? undefined : (left * 1000) / rate,
      finished: this.finished
    }
  }

  private publish() {
    this.latest = this.compute()
    // A sliding PubSub of one: publishing never waits, a slow reader gets the latest.
    Effect.runSync(PubSub.publish(this.pubsub, this.latest))
  }
}

/**
 * A tracker for one batch of work, for the scope. The work it is given to
 * counts its items (a stream's as they are read); `total`, when it is
 * known beforehand, gives the rate an end from the start — the snapshot's
 * total is the larger of it and what was counted, never their sum.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (options?: { readonly total?: number | undefined }): Effect.Effect<Progress, never, Scope.Scope> =>
  Effect.gen(function*() {
    const pubsub = yield* Effect.acquireRelease(
      PubSub.sliding<Snapshot>({ capacity: 1, replay: 1 }),
      (pubsub) => PubSub.shutdown(pubsub)
    )
    const total = options?.total
    return new Tracker(pubsub, total !== undefined && total > 0 ? total : 0)
  })

/**
 * Whether a value is a `Progress`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isProgress = (u: unknown): u is Progress => typeof u === "object" && u !== null && TypeId in u
