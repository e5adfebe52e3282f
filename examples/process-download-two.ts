/**
 * Port of the two-process download program of the Russian tutorial:
 *
 * ```python
 * from multiprocessing import Process
 * from os import getpid
 * from random import randint
 * from time import time, sleep
 * def download_task(filename):
 *     print('启动下载进程，进程号[%d].' % getpid())
 *     print('开始下载%s...' % filename)
 *     time_to_download = randint(5, 10)
 *     sleep(time_to_download)
 *     print('%s下载完成! 耗费了%d秒' % (filename, time_to_download))
 * def main():
 *     start = time()
 *     p1 = Process(target=download_task, args=('Python从入门到住院.pdf', ))
 *     p1.start()
 *     p2 = Process(target=download_task, args=('Peking Hot.avi', ))
 *     p2.start()
 *     p1.join()
 *     p2.join()
 *     end = time()
 *     print('总共耗费了%.2f秒.' % (end - start))
 * ```
 *
 * One tutorial second is 100 ms. Each download runs in a process of its own
 * (each prints its pid), at the same time as the other.
 *
 * Checks: the two processes had different pids, neither the main
 * program's, and both exited with 0.
 *
 * Run: `pnpm tsx examples/process-download-two.ts`
 */
import { Process } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Option } from "effect"
import { check, print } from "./support/report.ts"
import { downloadTask, SECOND } from "./tasks/processes.ts"

const program = Effect.scoped(Effect.gen(function*() {
  const tasks = new URL("./tasks/processes.ts", import.meta.url)
  const start = performance.now()
  const p1 = yield* Process.make({ tasks, target: downloadTask, args: "Python从入门到住院.pdf" })
  yield* p1.start
  const p2 = yield* Process.make({ tasks, target: downloadTask, args: "Peking Hot.avi" })
  yield* p2.start
  yield* p1.join()
  yield* p2.join()
  yield* print(`总共耗费了${((performance.now() - start) / SECOND).toFixed(2)}秒.`)
  const pids = [Option.getOrThrow(yield* p1.pid), Option.getOrThrow(yield* p2.pid)]
  yield* check(pids[0] !== pids[1] && !pids.includes(process.pid), "each download ran in a process of its own")
  for (const p of [p1, p2]) yield* check(Option.getOrUndefined(yield* p.exitCode) === 0, `${p.name} exited with 0`)
}))

NodeRuntime.runMain(program)
