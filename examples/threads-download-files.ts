/**
 * Port of the threaded file-download program of the Russian tutorial
 * “Процессы и потоки” (section "Многопоточность в Python"):
 *
 * ```python
 * from random import randint
 * from threading import Thread
 * from time import time, sleep
 * def download(filename):
 *     print('开始下载%s...' % filename)                       # "Start downloading ..."
 *     time_to_download = randint(5, 10)
 *     sleep(time_to_download)
 *     print('%s下载完成! 耗费了%d秒' % (filename, time_to_download))  # "... downloaded! It took N s"
 * def main():
 *     start = time()
 *     t1 = Thread(target=download, args=('Python从入门到住院.pdf',))
 *     t1.start()
 *     t2 = Thread(target=download, args=('Peking Hot.avi',))
 *     t2.start()
 *     t1.join()
 *     t2.join()
 *     end = time()
 *     print('总共耗费了%.3f秒' % (end - start))               # "Total time: ... s"
 * ```
 *
 * Times, scaled: one tutorial second → 50 ms, so `randint(5, 10)` seconds
 * → 250–500 ms per file.
 *
 * Both downloads run at the same time, so the total is the longer of the two,
 * not their sum (compare `download-files-sequential.ts`). The subclass
 * version of this program is `threads-download-files-class.ts`.
 *
 * Checks: the two downloads were in progress at the same time (a count of
 * the downloads in progress reached 2). The total time is printed, as in
 * Python, not checked: a busy machine stretches it.
 *
 * Run: `pnpm tsx examples/threads-download-files.ts`
 */
import { Executor, Future } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Clock, Effect, Random } from "effect"
import { makeGauge } from "./support/concurrency.ts"
import { check } from "./support/report.ts"

const SECOND = 50 // one second of the tutorial, in milliseconds here

/** How many downloads are in progress at once (and the most at once). */
const downloading = makeGauge()

const download = (filename: string) =>
  Effect.gen(function*() {
    yield* Effect.sync(() => console.log(`Start downloading ${filename}...`))
    const timeToDownload = (yield* Random.nextIntBetween(5, 10)) * SECOND
    yield* downloading.track(Effect.sleep(timeToDownload))
    yield* Effect.sync(() => console.log(`${filename} downloaded! It took ${timeToDownload} ms`))
    return timeToDownload
  })

const program = Effect.scoped(Effect.gen(function*() {
  const executor = yield* Executor.make()
  const start = yield* Clock.currentTimeMillis
  const t1 = yield* executor.submit(download("Python-From-Beginner-To-Hospital.pdf"))
  const t2 = yield* executor.submit(download("Peking Hot.avi"))
  const first = yield* Future.join(t1)
  const second = yield* Future.join(t2)
  const end = yield* Clock.currentTimeMillis
  console.log(`Total time: ${((end - start) / 1000).toFixed(3)} s`)

  console.log(`(the downloads took ${first} and ${second} ms: ${first + second} ms one after the other)`)
  yield* check(
    downloading.peak === 2,
    `the two downloads should run at the same time (most at once: ${downloading.peak})`
  )
}))

NodeRuntime.runMain(program)
