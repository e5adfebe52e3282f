/**
 * Traces across the worker boundary, the worker's half: a task submitted
 * inside a sampled span (`TRACE` record) runs in a span of its own, named
 * after the task, whose parent is the caller's span; every span it opens
 * (`Effect.withSpan`, `Effect.fn`) is recorded by a tracer made for that
 * job, which sends its start and end to the parent (`R_SPAN_START` /
 * `R_SPAN_END`). The parent re-creates each one in the caller's tracer
 * (core's `PoolJob.spanStart` / `spanEnd`), so whatever exports the
 * caller's spans — an OpenTelemetry `Layer` — sees the worker's too, in the
 * caller's trace.
 *
 * Why replay rather than export from the worker: the caller's tracer, its
 * exporter and their configuration live in the caller's process; a worker
 * has none of them, and a tracer cannot be cloned into a thread. The spans
 * get new span ids there (a tracer makes its own); their trace id, parent,
 * name, kind, times, attributes, events and exit are the worker's. Links
 * (`Tracer.SpanLink`) stay in the worker: they name spans the caller's
 * tracer may never have seen.
 *
 * Untraced jobs never reach this module: their effect runs as it is.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"
import * as P from "./protocol.ts"

/** Sends a record that needs no answer (the worker's `postSoon`: in order, before the job's result). */
export type Send = (record: P.Reply) => void

// Random ids from a pool of random bytes refilled 4 KiB at a time: one
// `getRandomValues` per 512 span ids, not one per span.
const random = new Uint8Array(4096)
let randomAt = random.length

const hex = (bytes: number): string => {
  if (randomAt + bytes > random.length) {
    crypto.getRandomValues(random)
    randomAt = 0
  }
  let out = ""
  for (let i = 0; i < bytes; i++) out += (random[randomAt++]! + 256).toString(16).slice(1)
  return out
}

const exitOf = (exit: Exit.Exit<unknown, unknown>): P.SpanExit => {
  if (Exit.isSuccess(exit)) return P.SPAN_OK
  if (Cause.hasInterruptsOnly(exit.cause)) return [P.R_INTERRUPTED, undefined]
  const failure = exit.cause.reasons.find(Cause.isFailReason)
  return failure !== undefined
    ? [P.R_FAIL, P.serializeDefect(failure.error)]
    : [P.R_DIE, P.serializeDefect(Cause.squash(exit.cause))]
}

/** A span of a traced task: its start and end go to the parent. */
class RecordingSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId = hex(8)
  readonly traceId: string
  readonly name: string
  readonly parent: Option.Option<Tracer.AnySpan>
  readonly annotations: Tracer.Span["annotations"]
  readonly links: Array<Tracer.SpanLink>
  readonly sampled = true
  readonly kind: Tracer.SpanKind
  status: Tracer.SpanStatus
  readonly attributes = new Map<string, unknown>()
  private events: Array<readonly [name: string, time: bigint, attributes: Record<string, unknown>]> | undefined
  private readonly job: number
  private readonly send: Send

  constructor(
    options: Parameters<Tracer.Tracer["span"]>[0],
    job: number,
    caller: Tracer.ExternalSpan,
    send: Send
  ) {
    this.job = job
    this.send = send
    this.name = options.name
    this.parent = options.parent
    this.annotations = options.annotations
    this.links = options.links
    this.kind = options.kind
    this.status = { _tag: "Started", startTime: options.startTime }
    const parent = Option.getOrUndefined(options.parent)
    this.traceId = parent?.traceId ?? hex(16)
    const crossingParent: P.SpanParent = parent === undefined
      ? null
      : parent === caller
      ? undefined
      : parent instanceof RecordingSpan
      ? parent.spanId
      : [parent.traceId, parent.spanId]
    send([P.R_SPAN_START, job, this.spanId, crossingParent, this.name, this.kind, options.startTime])
  }

  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>): void {
    if (this.status._tag === "Ended") return
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
    let attributes: Record<string, unknown> | undefined
    if (this.attributes.size > 0) {
      attributes = {}
      for (const [key, value] of this.attributes) attributes[key] = P.crossable(value)
    }
    this.send([P.R_SPAN_END, this.job, this.spanId, endTime, exitOf(exit), attributes, this.events])
  }

  attribute(key: string, value: unknown): void {
    if (this.status._tag === "Started") this.attributes.set(key, value)
  }

  event(name: string, startTime: bigint, attributes?: Record<string, unknown>): void {
    if (this.status._tag !== "Started") return
    const crossing: Record<string, unknown> = {}
    if (attributes !== undefined) { for (const key in attributes) crossing[key] = P.crossable(attributes[key]) }
    ;(this.events ??= []).push([name, startTime, crossing])
  }

  addLinks(links: ReadonlyArray<Tracer.SpanLink>): void {
    if (this.status._tag === "Started") this.links.push(...links)
  }
}

/**
 * The task's effect in its own span (named after the task; `corun.task`,
 * `corun.worker` attributes), child of the caller's span, under a tracer
 * that records every span it opens for job `job`. Spans the task opens
 * unsampled stay here (Effect's own, not sent).
 */
export const traced = <A, E>(
  effect: Effect.Effect<A, E>,
  job: number,
  task: string,
  worker: number,
  traceId: string,
  spanId: string,
  send: Send
): Effect.Effect<A, E> => {
  const caller = Tracer.externalSpan({ traceId, spanId })
  const tracer = Tracer.make({
    span: (options) =>
      options.sampled ? new RecordingSpan(options, job, caller, send) : Tracer.nativeTracer.span(options)
  })
  return effect.pipe(
    Effect.withSpan(task, {
      parent: caller,
      attributes: { "corun.task": task, "corun.worker": worker }
    }, { captureStackTrace: false }),
    Effect.provideService(Tracer.Tracer, tracer)
  )
}
