/**
 * The task of `http-download-about.ts`: the tkinter program's 10 s download,
 * as CPU-bound work (a busy loop) that keeps its thread busy the whole time,
 * as `time.sleep(10)` keeps tkinter's GUI thread busy. The example runs it on
 * the pool (`download`) and, the tkinter mistake, on the main thread itself
 * (`busyDownload`). Erasable TypeScript only: workers load it with Node's
 * type stripping.
 */
import * as Task from "@corun/core/Task"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

/**
 * Keeps the calling thread busy for `millis` ms (it never yields, as a
 * CPU-bound computation does not) and returns how many "blocks" it
 * "downloaded": the loop's iterations, in thousands.
 */
export const busyDownload = (millis: number): number => {
  const end = performance.now() + millis
  let blocks = 0
  while (performance.now() < end) blocks++
  return Math.round(blocks / 1000)
}

/** The download as a pool task: `busyDownload(millis)` on a worker. */
export const download = Task.make("download", {
  input: Schema.Number,
  output: Schema.Number,
  run: (millis) => Effect.sync(() => busyDownload(millis))
})
