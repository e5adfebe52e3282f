/**
 * Port of the `Manager` program of the Chinese notes
 * “python学习笔记-进程线程” (section 16):
 *
 * ```python
 * from multiprocessing import Process, Manager
 * def f(d, l):
 *     d[1] = 1
 *     d[2] = 2
 *     d[0.25] = None
 *     l.append(1)
 *     print(l)
 * if __name__ == '__main__':
 *     with Manager() as manager:
 *         d = manager.dict()
 *         l = manager.list(range(5))
 *         p_list = []
 *         for i in range(10):
 *             p = Process(target=f, args=(d, l))
 *             p.start()
 *             p_list.append(p)
 *         for res in p_list:
 *             res.join()
 *         print(d)
 *         print(l)
 * ```
 *
 * Ten processes update one `dict` and one `list` through the manager's
 * proxies (each child prints the list as it saw it after its append); every
 * update is kept.
 *
 * Checks: `d` is exactly `{1: 1, 2: 2, 0.25: None}` and `l` is
 * `[0, 1, 2, 3, 4]` followed by ten 1s; every process exited with 0.
 *
 * Run: `pnpm tsx examples/process-manager-dict-list.ts`
 */
import { Manager, Process } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Option } from "effect"
import { check, print } from "./support/report.ts"
import { managerF } from "./tasks/processes.ts"

/** Python's `repr` of numbers and `None`. */
const repr = (value: unknown) => (value === null ? "None" : String(value))

const program = Effect.scoped(Effect.gen(function*() {
  const manager = yield* Manager.make()
  const d = yield* manager.dict()
  const l = yield* manager.list([0, 1, 2, 3, 4])
  const pList = yield* Effect.forEach(
    Array.from({ length: 10 }, (_, i) => i),
    () => Process.make({ tasks: new URL("./tasks/processes.ts", import.meta.url), target: managerF, args: { d, l } })
  )
  for (const p of pList) yield* p.start
  for (const p of pList) yield* p.join()
  const dict = `{${[...(yield* d.toMap)].map(([k, v]) => `${repr(k)}: ${repr(v)}`).join(", ")}}`
  const list = `[${(yield* l.toArray).map(repr).join(", ")}]`
  yield* print(dict)
  yield* print(list)
  yield* check(dict === "{1: 1, 2: 2, 0.25: None}", "d is {1: 1, 2: 2, 0.25: None}")
  yield* check(list === `[0, 1, 2, 3, 4${", 1".repeat(10)}]`, "l is range(5) followed by ten 1s")
  for (const p of pList) yield* check(Option.getOrUndefined(yield* p.exitCode) === 0, `${p.name} exited with 0`)
}))

NodeRuntime.runMain(program)
