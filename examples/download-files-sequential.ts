/**
 * Port of the first file-download program of the Russian tutorial “Процессы
 * и потоки” (two downloads, one after the other, without processes or
 * threads):
 *
 * ```python
 * from random import randint
 * from time import time, sleep
 * def download_task(filename):
 *     print('开始下载%s...' % filename)                       # "Start downloading ..."
 *     time_to_download = randint(5, 10)
 *     sleep(time_to_download)
 *     print('%s下载完成! 耗费了%d秒' % (filename, time_to_download))  # "... downloaded! It took N s"
 * def main():
 *     start = time()
 *     download_task('Python从入门到住院.pdf')
 *     download_task('Peking Hot.avi')
 *     end = time()
 *     print('总共耗费了%.2f秒.' % (end - start))               # "Total time: ... s"
 * ```
 *
 * Times, scaled: one tutorial second → 50 ms, so `randint(5, 10)` seconds
 * → 250–500 ms per file.
 *
 * The total is the sum of the two downloads: the second only starts when the
 * first has finished. The same downloads at the same time are
 * `threads-download-files.ts`.
 *
 * Checks: the two downloads never ran at the same time (a count of the
 * downloads in progress never went above 1). The total time is printed, as
 * in Python, not checked.
 *
 * Run: `pnpm tsx examples/download-files-sequential.ts`
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Clock, Effect, Random } from "effect"
import { makeGauge } from "./support/concurrency.ts"
import { check } from "./support/report.ts"

const SECOND = 50 // one second of the tutorial, in milliseconds here

/** How many downloads are in progress at once (and the most at once). */
const downloading = makeGauge()

const downloadTask = (filename: string) =>
  Effect.gen(function*() {
    yield* Effect.sync(() => console.log(`Start downloading ${filename}...`))
    const timeToDownload = (yield* Random.nextIntBetween(5, 10)) * SECOND
    yield* downloading.track(Effect.sleep(timeToDownload))
    yield* Effect.sync(() => console.log(`${filename} downloaded! It took ${timeToDownload} ms`))
    return timeToDownload
  })

const program = Effect.gen(function*() {
  const start = yield* Clock.currentTimeMillis
  const first = yield* downloadTask("Python-From-Beginner-To-Hospital.pdf")
  const second = yield* downloadTask("Peking Hot.avi")
  const end = yield* Clock.currentTimeMillis
  console.log(`Total time: ${((end - start) / 1000).toFixed(2)} s.`)

  console.log(`(the downloads took ${first} and ${second} ms: ${first + second} ms one after the other)`)
  yield* check(
    downloading.peak === 1,
    `the downloads should run one after the other (most at once: ${downloading.peak})`
  )
})

NodeRuntime.runMain(program)
