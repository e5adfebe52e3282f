/**
 * Port of the `Thread`-subclass file-download program of the Russian
 * tutorial “Процессы и потоки” (section "Многопоточность в Python": "we can
 * also create our own thread class by inheriting Thread"):
 *
 * ```python
 * from random import randint
 * from threading import Thread
 * from time import time, sleep
 * class DownloadTask(Thread):
 *     def __init__(self, filename):
 *         super().__init__()
 *         self._filename = filename
 *     def run(self):
 *         print('开始下载%s...' % self._filename)                 # "Start downloading ..."
 *         time_to_download = randint(5, 10)
 *         sleep(time_to_download)
 *         print('%s下载完成! 耗费了%d秒' % (self._filename, time_to_download))
 * def main():
 *     start = time()
 *     t1 = DownloadTask('Python从入门到住院.pdf')
 *     t1.start()
 *     t2 = DownloadTask('Peking Hot.avi')
 *     t2.start()
 *     t1.join()
 *     t2.join()
 *     end = time()
 *     print('总共耗费了%.2f秒.' % (end - start))               # "Total time: ... s"
 * ```
 *
 * Times, scaled: one tutorial second → 50 ms, so `randint(5, 10)` seconds
 * → 250–500 ms per file.
 *
 * corun has no Thread class to inherit from: `DownloadTask` keeps the
 * shape — a constructor, a `run()` Effect, `start(executor)` returning the
 * task's `Future` and `join()` — on top of `Executor.submit` and
 * `Future.join`. The total is the longer download, not the sum.
 *
 * Checks: the two downloads were in progress at the same time (a count of
 * the downloads in progress reached 2). The total time is printed, as in
 * Python, not checked: a busy machine stretches it.
 *
 * Run: `pnpm tsx examples/threads-download-files-class.ts`
 */
import { Executor, Future } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Clock, Effect, Random } from "effect"
import { makeGauge } from "./support/concurrency.ts"
import { check } from "./support/report.ts"

const SECOND = 50 // one second of the tutorial, in milliseconds here

/** How many downloads are in progress at once (and the most at once). */
const downloading = makeGauge()

class DownloadTask {
  private readonly filename: string
  private future: Future.Future<number> | undefined
  constructor(filename: string) {
    this.filename = filename
  }
  run(): Effect.Effect<number> {
    const filename = this.filename
    return Effect.gen(function*() {
      yield* Effect.sync(() => console.log(`Start downloading ${filename}...`))
      const timeToDownload = (yield* Random.nextIntBetween(5, 10)) * SECOND
      yield* downloading.track(Effect.sleep(timeToDownload))
      yield* Effect.sync(() => console.log(`${filename} downloaded! It took ${timeToDownload} ms`))
      return timeToDownload
    })
  }
  start(executor: Executor.Executor) {
    return Effect.map(executor.submit(this.run()), (future) => {
      this.future = future
    })
  }
  join() {
    return Effect.suspend(() => Future.join(this.future!))
  }
}

const program = Effect.scoped(Effect.gen(function*() {
  const executor = yield* Executor.make()
  const start = yield* Clock.currentTimeMillis
  const t1 = new DownloadTask("Python-From-Beginner-To-Hospital.pdf")
  yield* t1.start(executor)
  const t2 = new DownloadTask("Peking Hot.avi")
  yield* t2.start(executor)
  const first = yield* t1.join()
  const second = yield* t2.join()
  const end = yield* Clock.currentTimeMillis
  console.log(`Total time: ${((end - start) / 1000).toFixed(2)} s.`)

  console.log(`(the downloads took ${first} and ${second} ms: ${first + second} ms one after the other)`)
  yield* check(
    downloading.peak === 2,
    `the two downloads should run at the same time (most at once: ${downloading.peak})`
  )
}))

NodeRuntime.runMain(program)
