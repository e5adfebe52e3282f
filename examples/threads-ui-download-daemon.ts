/**
 * Port of the multithreaded tkinter program of
 * seeds/004_b66d43e57a73f8d8.txt (Russian tutorial "Процессы и потоки",
 * "Приложения": the 10 s download moves to a daemon thread, so the window
 * stays responsive):
 *
 * ```python
 * import time
 * import tkinter
 * import tkinter.messagebox
 * from threading import Thread
 * def main():
 *     class DownloadTaskHandler(Thread):
 *         def run(self):
 *             time.sleep(10)
 *             tkinter.messagebox.showinfo('提示', '下载完成!')   # "Tip", "Download complete!"
 *             # enable the download button again
 *             button1.config(state=tkinter.NORMAL)
 *     def download():
 *         # disable the download button
 *         button1.config(state=tkinter.DISABLED)
 *         # daemon=True: the thread does not outlive the main program;
 *         # the slow download runs in the thread
 *         DownloadTaskHandler(daemon=True).start()
 *     def show_about():
 *         tkinter.messagebox.showinfo('关于', '作者: 骆昊(v1.0)')  # "About", "Author: Luo Hao (v1.0)"
 *     top = tkinter.Tk()
 *     top.title('单线程')
 *     ...
 *     button1 = tkinter.Button(panel, text='下载', command=download)
 *     button2 = tkinter.Button(panel, text='关于', command=show_about)
 *     ...
 *     tkinter.mainloop()
 * ```
 *
 * There is no window here: `mainloop` is a fiber that handles the window's
 * events one at a time (as Tk's main loop does), and a scripted user clicks
 * "Download" at 0 s, "About" at 1 s, "Download" again at 2 s (the button is
 * disabled: nothing happens), "Download" at 14 s (enabled again), and closes
 * the window at 16 s. Message boxes are printed.
 *
 * Times, scaled: one tutorial second → 50 ms (the 10 s download → 500 ms).
 *
 * The download runs as a daemon task (`submit(effect, { daemon: true })`),
 * so the About click of 1 s is answered at once; the first download
 * completes at 10 s and re-enables the button; the second one, still
 * running when the window closes at 16 s, is stopped with the program, as a
 * daemon thread is. The blocking version is `ui-download-blocking.ts`.
 *
 * Run: `pnpm tsx examples/threads-ui-download-daemon.ts`
 */
import { NodeRuntime } from "@effect/platform-node"
import { Clock, Effect, Queue } from "effect"
import { Executor, type Future } from "@corun/core"
import { check } from "./support/report.ts"

const SECOND = 50 // one second of the tutorial, in milliseconds here

type Click = "Download" | "About" | "Close window"
// What the user does, and when (tutorial seconds).
const user: ReadonlyArray<readonly [at: number, click: Click]> = [
  [0, "Download"],
  [1, "About"],
  [2, "Download"],
  [14, "Download"],
  [16, "Close window"]
]

const program = Effect.gen(function*() {
  const begin = yield* Clock.currentTimeMillis
  const now = Effect.map(Clock.currentTimeMillis, (t) => (t - begin) / SECOND) // in tutorial seconds
  const say = (line: string) => Effect.flatMap(now, (t) => Effect.sync(() => console.log(`[${t.toFixed(1)} s] ${line}`)))
  const messagebox = (title: string, message: string) => say(`messagebox ${title}: ${message}`)
  let aboutShownAt = -1
  let downloadsCompleted = 0
  let ignoredClicks = 0
  const downloads: Array<Future.Future<void>> = []

  yield* Effect.scoped(Effect.gen(function*() {
    const executor = yield* Executor.make()
    let button1Enabled = true

    const downloadTaskHandler = Effect.gen(function*() {
      yield* Effect.sleep(10 * SECOND)
      downloadsCompleted++
      yield* messagebox("Tip", "Download complete!")
      // enable the download button again
      button1Enabled = true
      yield* say("Download button enabled")
    })
    const download = Effect.gen(function*() {
      // disable the download button
      button1Enabled = false
      yield* say("Download button disabled")
      // a daemon task: it does not outlive the program
      downloads.push(yield* executor.submit(downloadTaskHandler, { name: "DownloadTaskHandler", daemon: true }))
    })
    const showAbout = Effect.gen(function*() {
      aboutShownAt = yield* now
      yield* messagebox("About", "Author: Luo Hao (v1.0)")
    })

    // The window's event queue; the user clicks whatever the window is doing.
    const events = yield* Queue.unbounded<{ readonly click: Click; readonly at: number }>()
    yield* Effect.forkChild(Effect.forEach(user, ([at, click]) =>
      Effect.gen(function*() {
        yield* Effect.sleep(Math.max(0, at * SECOND - ((yield* Clock.currentTimeMillis) - begin)))
        yield* Queue.offer(events, { click, at })
      }), { discard: true }))

    // tkinter.mainloop(): one event at a time, on the one thread.
    yield* say(`window "Single thread" open`)
    while (true) {
      const { at, click } = yield* Queue.take(events)
      if (click === "Download" && !button1Enabled) {
        ignoredClicks++
        yield* say(`click on "Download" at ${at} s: the button is disabled, nothing happens`)
        continue
      }
      yield* say(`handling the click on "${click}" (clicked at ${at} s)`)
      if (click === "Close window") break
      yield* click === "Download" ? download : showAbout
    }
    yield* say("window closed")
  })) // the program ends: the daemon download still running is stopped
  yield* say("program exited")

  yield* check(
    aboutShownAt >= 0 && aboutShownAt < 5,
    `the window should stay responsive during the download: the About click of 1 s was handled at ${
      aboutShownAt.toFixed(1)
    } s`
  )
  yield* check(ignoredClicks === 1, `the click of 2 s should hit a disabled button (${ignoredClicks} ignored clicks)`)
  yield* check(
    downloads.length === 2 && downloadsCompleted === 1,
    `two downloads should start and only the first complete; the second is a daemon stopped at exit (${downloads.length} started, ${downloadsCompleted} completed)`
  )
})

NodeRuntime.runMain(program)
