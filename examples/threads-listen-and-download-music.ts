/**
 * Port of the "listen to music while downloading" program of
 * the Chinese tutorial “实现多任务” (multithreading section:
 * NetEase Cloud Music plays one song and downloads another in two threads):
 *
 * ```python
 * import threading
 * import time
 * def listen_music(name):
 *     while True:
 *         time.sleep(1)
 *         print(name, "正在播放音乐")      # "... is playing music"
 * def download_music(name):
 *     while True:
 *         time.sleep(2)
 *         print(name, "正在下载音乐")      # "... is downloading music"
 * if __name__ == '__main__':
 *     p1 = threading.Thread(target=listen_music, args=("网易云音乐",))
 *     p2 = threading.Thread(target=download_music, args=("网易云音乐",))
 *     p1.start()
 *     p2.start()
 * ```
 *
 * Times and counts, scaled: `time.sleep(1)` → 100 ms, `time.sleep(2)` →
 * 200 ms; the endless `while True` loops are bounded to 6 rounds of playing
 * and 3 rounds of downloading, so both tasks end after about 600 ms.
 *
 * The two tasks run at the same time on fibers: the "playing" and
 * "downloading" lines interleave (about two playing lines per downloading
 * line), and the whole run takes about 600 ms, not 600 + 600.
 *
 * Checks: the right number of lines, and the interleaving (a downloading
 * line before the last playing line, and a playing line before the last
 * downloading line). The total time is printed, not checked: a busy
 * machine stretches it.
 *
 * Run: `pnpm tsx examples/threads-listen-and-download-music.ts`
 */
import { Executor } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Clock, Effect } from "effect"
import { check, lines, print } from "./support/report.ts"

const SECOND = 100 // one second of the tutorial, in milliseconds here
const LISTEN_ROUNDS = 6 // `while True` in the tutorial
const DOWNLOAD_ROUNDS = 3 // `while True` in the tutorial

const listenMusic = (name: string) =>
  Effect.gen(function*() {
    for (let round = 0; round < LISTEN_ROUNDS; round++) {
      yield* Effect.sleep(1 * SECOND)
      yield* print(`${name} is playing music`)
    }
  })

const downloadMusic = (name: string) =>
  Effect.gen(function*() {
    for (let round = 0; round < DOWNLOAD_ROUNDS; round++) {
      yield* Effect.sleep(2 * SECOND)
      yield* print(`${name} is downloading music`)
    }
  })

const program = Effect.gen(function*() {
  const start = yield* Clock.currentTimeMillis
  yield* Effect.scoped(Effect.gen(function*() {
    const executor = yield* Executor.make()
    yield* executor.submit(listenMusic("NetEase Cloud Music"), { name: "p1" })
    yield* executor.submit(downloadMusic("NetEase Cloud Music"), { name: "p2" })
  })) // like the Python program's end, leaving the scope waits for both tasks
  const elapsed = (yield* Clock.currentTimeMillis) - start

  const playing = lines.flatMap((line, i) => line.endsWith("playing music") ? [i] : [])
  const downloading = lines.flatMap((line, i) => line.endsWith("downloading music") ? [i] : [])
  yield* check(
    playing.length === LISTEN_ROUNDS && downloading.length === DOWNLOAD_ROUNDS,
    `expected ${LISTEN_ROUNDS} playing and ${DOWNLOAD_ROUNDS} downloading lines`
  )
  yield* check(
    downloading[0] < playing[playing.length - 1] && playing[0] < downloading[downloading.length - 1],
    "playing and downloading should interleave (run at the same time)"
  )
  const sequential = (LISTEN_ROUNDS * 1 + DOWNLOAD_ROUNDS * 2) * SECOND
  console.log(`(both tasks together took ${elapsed} ms; one after the other they take ${sequential} ms)`)
})

NodeRuntime.runMain(program)
