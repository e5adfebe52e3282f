/**
 * Output and self-checks shared by the example programs: each example prints
 * its lines like the Python program it ports, then checks its own result and,
 * on a wrong one, prints `FAILED CHECK: …` and exits non-zero.
 *
 * Not a program itself (the harness runs only the top-level `examples/*.ts`).
 */
import * as Effect from "effect/Effect"

const printed: Array<string> = []

/** Every line written by `print` or `printNow` so far, in order, for the example's checks. */
export const lines: ReadonlyArray<string> = printed

/** Writes `line` to the console and records it in `lines`, at once (for callbacks outside an effect). */
export const printNow = (line: string): void => {
  printed.push(line)
  console.log(line)
}

/** An effect that writes `line` to the console and records it in `lines`. */
export const print = (line: string): Effect.Effect<void> => Effect.sync(() => printNow(line))

/** Reports a wrong result at once: prints `FAILED CHECK: what` and sets a failing exit code unless `ok`. */
export const checkNow = (ok: boolean, what: string): void => {
  if (!ok) {
    console.log(`FAILED CHECK: ${what}`)
    process.exitCode = 1
  }
}

/** An effect that prints `FAILED CHECK: what` and sets a failing exit code unless `ok`; silent when `ok`. */
export const check = (ok: boolean, what: string): Effect.Effect<void> =>
  ok ? Effect.void : Effect.sync(() => checkNow(ok, what))

/** Like `check`, but also says `check ok: what` when the check passes. */
export const checkAloud = (ok: boolean, what: string): Effect.Effect<void> =>
  Effect.sync(() => {
    if (ok) console.log(`check ok: ${what}`)
    else checkNow(ok, what)
  })

/**
 * The first capture group of every line printed so far that matches
 * `pattern`, in the order printed: `captures(/^get page (\d+)s finished$/)`
 * is the order in which the pages finished.
 */
export const captures = (pattern: RegExp): Array<string> =>
  printed.flatMap((line) => {
    const match = pattern.exec(line)
    return match === null ? [] : [match[1]]
  })

/** Whether the line `first` was printed, and before the line `then` (if `then` was printed at all). */
export const printedBefore = (first: string, then: string): boolean => {
  const i = printed.indexOf(first)
  const j = printed.indexOf(then)
  return i >= 0 && (j < 0 || i < j)
}
