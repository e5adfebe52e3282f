/**
 * The pool's Effect `Metric`s, so any Effect metrics exporter sees them
 * (`pool.stats` stays the snapshot): how long jobs wait in the queue and
 * run (histograms, milliseconds), how they end (counters), the workers
 * started and the ones that crashed, and the workers busy now (a gauge).
 * Updated in place (`updateUnsafe`, in the context of the fiber that made
 * the pool: its metric registry), never through an Effect per job.
 *
 * @internal
 */
import type * as Context from "effect/Context"
import * as Metric from "effect/Metric"

const millis = Metric.exponentialBoundaries({ start: 0.05, factor: 2, count: 20 }) // 0.05 ms … 13 s

export const queueWait = Metric.histogram("corun_pool_queue_wait_ms", {
  description: "How long a pool job waited before it was sent to a worker (ms)",
  boundaries: millis
})
export const runTime = Metric.histogram("corun_pool_run_ms", {
  description: "How long a pool job ran on its worker (ms)",
  boundaries: millis
})
export const completed = Metric.counter("corun_pool_tasks_completed", {
  description: "Pool jobs that succeeded",
  incremental: true
})
export const failed = Metric.counter("corun_pool_tasks_failed", {
  description: "Pool jobs that failed (the task's error, a defect, a crash of its worker)",
  incremental: true
})
export const cancelled = Metric.counter("corun_pool_tasks_cancelled", {
  description: "Pool jobs stopped because their caller gave up",
  incremental: true
})
export const timedOut = Metric.counter("corun_pool_tasks_timed_out", {
  description: "Pool jobs that exceeded their timeout",
  incremental: true
})
export const spawned = Metric.counter("corun_pool_workers_spawned", {
  description: "Pool workers started (replacements included)",
  incremental: true
})
export const crashed = Metric.counter("corun_pool_worker_crashes", {
  description: "Pool workers that died unexpectedly",
  incremental: true
})
export const busy = Metric.gauge("corun_pool_workers_busy", {
  description: "Pool workers running a job now"
})

/** Where a pool's metrics are recorded. */
export interface Recorder {
  readonly context: Context.Context<never>
}

export const recorder = (context: Context.Context<never>): Recorder => ({ context })

export const record = <I>(recorder: Recorder | undefined, metric: Metric.Metric<I, any>, value: I): void => {
  if (recorder !== undefined) metric.updateUnsafe(value, recorder.context)
}
