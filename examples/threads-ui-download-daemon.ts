/**
 * Port of the multithreaded tkinter program of the Russian tutorial
 * “Процессы и потоки” ("Приложения": the 10 s download moves to a daemon
 * thread, so the window stays responsive):
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
 * disabled: nothing happens); when the "Download complete!" box appears
 * (10 s), the user waits 4 s and clicks "Download" again (enabled again),
 * then closes the window 2 s later. Message boxes are printed.
 *
 * Times, scaled: one tutorial second → 50 ms (the 10 s download → 500 ms).
 *
 * The download runs as a daemon task (`submit(effect, { daemon: true })`),
 * so the About click of 1 s is answered at once; the first download
 * completes at 10 s and re-enables the button; the second one, still
 * running when the window closes, is stopped with the program, as a daemon
 * thread is. The blocking version is `ui-download-blocking.ts`.
 *
 * Checks, on the order of what happened (a log), not on the clock: the
 * About click was handled while the first download was still running; the
 * click of 2 s hit the disabled button; two downloads started, the first
 * completed and the second was stopped when the program exited. The user
 * reacts to the "Download complete!" box rather than to a fixed time, so a
 * busy machine that delays the download cannot make a click land early;
 * every other pair of events that the checks compare is 8 tutorial seconds
 * or more apart.
 *
 * Run: `pnpm tsx examples/threads-ui-download-daemon.ts`
 */
import { Executor, Future } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Clock, Deferred, Effect, Queue } from "effect"
import { check } from "./support/report.ts"

const SECOND = 50 // one second of the tutorial, in milliseconds here

type Click = "Download" | "About" | "Close window"

const program = Effect.gen(function*() {
  const begin = yield* Clock.currentTimeMillis
  const now = Effect.map(Clock.currentTimeMillis, (t) => (t - begin) / SECOND) // in tutorial seconds
  const say = (line: string) =>
    Effect.flatMap(now, (t) => Effect.sync(() => console.log(`[${t.toFixed(1)} s] ${line}`)))
  const messagebox = (title: string, message: string) => say(`messagebox ${title}: ${message}`)
  // What happened, in order, for the checks.
  const log: Array<string> = []
  const record = (event: string) => Effect.sync(() => log.push(event))
  const downloads: Array<Future.Future<void>> = []
  const firstDownloadCompleted = yield* Deferred.make<void>()

  yield* Effect.scoped(Effect.gen(function*() {
    const executor = yield* Executor.make()
    let button1Enabled = true

    const downloadTaskHandler = Effect.gen(function*() {
      yield* Effect.sleep(10 * SECOND)
      yield* record("download completed")
      yield* messagebox("Tip", "Download complete!")
      yield* Deferred.succeed(firstDownloadCompleted, undefined)
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
      yield* record("download started")
    })
    const showAbout = Effect.gen(function*() {
      yield* record("about shown")
      yield* messagebox("About", "Author: Luo Hao (v1.0)")
    })

    // The window's event queue; the user clicks whatever the window is doing.
    const events = yield* Queue.unbounded<Click>()
    const click = (what: Click) => Effect.andThen(say(`the user clicks "${what}"`), Queue.offer(events, what))
    yield* Effect.forkChild(Effect.gen(function*() {
      yield* click("Download")
      yield* Effect.sleep(1 * SECOND)
      yield* click("About")
      yield* Effect.sleep(1 * SECOND)
      yield* click("Download") // the button is disabled by now
      // The user sees "Download complete!", waits a little, downloads again.
      yield* Deferred.await(firstDownloadCompleted)
      yield* Effect.sleep(4 * SECOND)
      yield* click("Download")
      yield* Effect.sleep(2 * SECOND)
      yield* click("Close window")
    }))

    // tkinter.mainloop(): one event at a time, on the one thread.
    yield* say(`window "Single thread" open`)
    while (true) {
      const click = yield* Queue.take(events)
      if (click === "Download" && !button1Enabled) {
        yield* record("click ignored")
        yield* say(`"Download" is disabled: nothing happens`)
        continue
      }
      yield* say(`handling the click on "${click}"`)
      if (click === "Close window") break
      yield* click === "Download" ? download : showAbout
    }
    yield* say("window closed")
  })) // the program ends: the daemon download still running is stopped
  yield* say("program exited")

  const expected = [
    "download started",
    "about shown",
    "click ignored",
    "download completed",
    "download started"
  ]
  yield* check(
    JSON.stringify(log) === JSON.stringify(expected),
    `the window should stay responsive during the download (About answered at once, the second click on the disabled button ignored): expected ${
      JSON.stringify(expected)
    }, got ${JSON.stringify(log)}`
  )
  const exits = yield* Effect.forEach(downloads, Future.poll)
  yield* check(
    downloads.length === 2 && (yield* Future.cancelled(downloads[1])) && !(yield* Future.cancelled(downloads[0])),
    `two downloads should start, the first complete and the second, a daemon, be stopped at exit (${
      exits.map((exit) => exit._tag === "Some" ? exit.value._tag : "running").join(", ")
    })`
  )
})

NodeRuntime.runMain(program)
