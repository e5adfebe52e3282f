/**
 * Port of the single-threaded tkinter program of the Russian tutorial
 * “Процессы и потоки” ("Приложения": a window with a "Download" and an
 * "About" button; the download takes 10 s and, done on the GUI's own thread,
 * freezes the window):
 *
 * ```python
 * import time
 * import tkinter
 * import tkinter.messagebox
 * def download():
 *     # simulate a download that takes 10 seconds
 *     time.sleep(10)
 *     tkinter.messagebox.showinfo('提示', '下载完成!')       # "Tip", "Download complete!"
 * def show_about():
 *     tkinter.messagebox.showinfo('关于', '作者: 骆昊(v1.0)')  # "About", "Author: Luo Hao (v1.0)"
 * def main():
 *     top = tkinter.Tk()
 *     top.title('单线程')                                     # "Single thread"
 *     ...
 *     button1 = tkinter.Button(panel, text='下载', command=download)
 *     button2 = tkinter.Button(panel, text='关于', command=show_about)
 *     ...
 *     tkinter.mainloop()
 * ```
 *
 * There is no window here: `mainloop` is a fiber that handles the window's
 * events one at a time (as Tk's main loop does), and a scripted user clicks
 * "Download" at 0 s, "About" at 1 s and closes the window at 12 s. Message
 * boxes are printed.
 *
 * Times, scaled: one tutorial second → 50 ms (the 10 s download → 500 ms).
 *
 * The download runs inside the event handler, so the window is frozen for
 * 10 s: the "About" click of 1 s is only handled at 10 s, once the download
 * is over. The threaded fix is `threads-ui-download-daemon.ts`.
 *
 * Checks, on the order of what happened (a log), not on the clock: the
 * About click came during the download and was answered only after the
 * download had completed.
 *
 * Run: `pnpm tsx examples/ui-download-blocking.ts`
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Clock, Effect, Queue } from "effect"
import { check } from "./support/report.ts"

const SECOND = 50 // one second of the tutorial, in milliseconds here

type Click = "Download" | "About" | "Close window"
// What the user does, and when (tutorial seconds).
const user: ReadonlyArray<readonly [at: number, click: Click]> = [[0, "Download"], [1, "About"], [12, "Close window"]]

const program = Effect.gen(function*() {
  const begin = yield* Clock.currentTimeMillis
  const now = Effect.map(Clock.currentTimeMillis, (t) => (t - begin) / SECOND) // in tutorial seconds
  const say = (line: string) =>
    Effect.flatMap(now, (t) => Effect.sync(() => console.log(`[${t.toFixed(1)} s] ${line}`)))
  const messagebox = (title: string, message: string) => say(`messagebox ${title}: ${message}`)
  // What happened, in order, for the check.
  const log: Array<string> = []
  const record = (event: string) => Effect.sync(() => log.push(event))

  const download = Effect.gen(function*() {
    // simulate a download that takes 10 seconds
    yield* Effect.sleep(10 * SECOND)
    yield* record("download completed")
    yield* messagebox("Tip", "Download complete!")
  })
  const showAbout = Effect.gen(function*() {
    yield* record("about shown")
    yield* messagebox("About", "Author: Luo Hao (v1.0)")
  })

  // The window's event queue; the user clicks whatever the window is doing.
  const events = yield* Queue.unbounded<{ readonly click: Click; readonly at: number }>()
  yield* Effect.forkChild(Effect.forEach(user, ([at, click]) =>
    Effect.gen(function*() {
      yield* Effect.sleep(Math.max(0, at * SECOND - ((yield* Clock.currentTimeMillis) - begin)))
      if (click === "About") yield* record("about clicked")
      yield* Queue.offer(events, { click, at })
    }), { discard: true }))

  // tkinter.mainloop(): one event at a time, on the one thread.
  yield* say(`window "Single thread" open`)
  while (true) {
    const { at, click } = yield* Queue.take(events)
    yield* say(`handling the click on "${click}" (clicked at ${at} s)`)
    if (click === "Close window") break
    yield* click === "Download" ? download : showAbout
  }
  yield* say("window closed")

  const expected = ["about clicked", "download completed", "about shown"]
  yield* check(
    JSON.stringify(log) === JSON.stringify(expected),
    `the window should be frozen during the download: the About click of 1 s should be answered only after the download (10 s) completed: expected ${
      JSON.stringify(expected)
    }, got ${JSON.stringify(log)}`
  )
})

NodeRuntime.runMain(program)
