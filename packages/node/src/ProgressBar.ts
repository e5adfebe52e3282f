/**
 * `ProgressBar`: a `Progress` (from `@corun/core`) rendered for people —
 * a bar redrawn in place on a terminal, or a log line now and then where
 * stdout is not one (CI, log files), so a long `map` is visible either way
 * (what `tqdm` does around Python's `imap`).
 *
 * ```ts
 * const progress = yield* Progress.make()
 * yield* Effect.forkChild(ProgressBar.render(progress, { label: "crunching" }))
 * const results = yield* pool.map(task, inputs, { progress })
 * ```
 *
 * @since 0.1.0
 */
import { Errors, type Progress } from "@corun/core"
import * as Backend from "@corun/core/Backend"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"

/**
 * Options of `render`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** What the bar is about. Default `"progress"`. */
  readonly label?: string | undefined
  /** Where the bar is drawn. Default `process.stdout`. */
  readonly output?: { readonly isTTY?: boolean | undefined; write(text: string): unknown } | undefined
  /** Draw a bar (`true`) or log lines (`false`). Default: whether `output` is a terminal. */
  readonly tty?: boolean | undefined
  /** Without a terminal: a log line at most this often (and one at the end). Default 2 seconds. */
  readonly interval?: import("effect/Duration").Input | undefined
  /** The bar's width in characters. Default 30. */
  readonly width?: number | undefined
}

/** "1.2k/s", "ETA 3s". */
const rate = (perSecond: number) =>
  perSecond >= 1000 ? `${(perSecond / 1000).toFixed(1)}k/s` : `${perSecond.toFixed(perSecond >= 10 ? 0 : 1)}/s`
const eta = (millis: number | undefined) =>
  millis === undefined
    ? ""
    : millis >= 60_000
    ? ` ETA ${Math.floor(millis / 60_000)}m${Math.round((millis % 60_000) / 1000)}s`
    : ` ETA ${Math.ceil(millis / 1000)}s`

/**
 * One line of text for a snapshot (what the bar and the log lines say).
 *
 * @since 0.1.0
 * @category rendering
 */
export const describe = (label: string, s: Progress.Snapshot): string => {
  const failed = s.failed > 0 ? `, ${s.failed} failed` : ""
  const end = s.finished ? ` in ${(s.elapsedMillis / 1000).toFixed(1)}s` : eta(s.etaMillis)
  return `${label}: ${s.done + s.failed}/${s.total}${failed} (${rate(s.rate)})${end}`
}

/**
 * Renders `progress` until its work has finished: on a terminal a bar
 * redrawn in place (at most ten times a second, ended with a newline);
 * elsewhere a log line (`Effect.log`, so the program's logger formats it)
 * every `interval` and one at the end. Fork it beside the work.
 *
 * @since 0.1.0
 * @category rendering
 */
export const render = (
  progress: Progress.Progress,
  options?: Options
): Effect.Effect<void, Errors.InvalidArgumentError> =>
  Effect.suspend(() => {
    const interval = Backend.Validation.timeoutMillis(options?.interval ?? "2 seconds", "interval")
    if (interval instanceof Errors.InvalidArgumentError) return Effect.fail(interval)
    const label = options?.label ?? "progress"
    const output = options?.output ?? process.stdout
    const tty = options?.tty ?? output.isTTY === true
    const width = options?.width ?? 30
    let last = -Infinity
    if (tty) {
      return Stream.runForEach(progress.changes, (s) =>
        Effect.sync(() => {
          const now = Date.now()
          if (!s.finished && now - last < 100) return
          last = now
          const fraction = s.total === 0 ? 0 : (s.done + s.failed) / s.total
          const filled = Math.min(width, Math.round(fraction * width))
          const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`
          output.write(`\r\x1b[2K${bar} ${describe(label, s)}${s.finished ? "\n" : ""}`)
        }))
    }
    return Stream.runForEach(progress.changes, (s) => {
      const now = Date.now()
      if (!s.finished && now - last < (interval ?? Infinity)) return Effect.void
      last = now
      return Effect.log(describe(label, s))
    })
  })
