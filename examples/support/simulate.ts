/**
 * Simulated work on the examples' scaled clock, and helpers to time it.
 *
 * Not a program itself (the harness runs only the top-level `examples/*.ts`).
 */
import { Effect } from "effect"
import { print } from "./report.ts"

/** One second of the `get_html` tutorials, in milliseconds here. */
export const SECOND = 100

/**
 * The tutorials' `get_html(times)`: sleeps `times` (scaled) seconds — the
 * parameter simulates how long the network request takes — then prints
 * `get page {times}s finished` and returns `times`.
 */
export const getHtml = (times: number): Effect.Effect<number> =>
  Effect.gen(function*() {
    yield* Effect.sleep(times * SECOND)
    yield* print(`get page ${times}s finished`)
    return times
  })

/** Milliseconds as seconds with three decimals, as the tutorials print `time()` differences. */
export const seconds = (millis: number): string => (millis / 1000).toFixed(3)
