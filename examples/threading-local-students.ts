/**
 * Port of the ThreadLocal program of the Chinese notes “Python之进程与线程” (section
 * "ThreadLocal"): each thread binds its own student to a global
 * `threading.local()` and a helper reads it back without it being passed.
 *
 * ```python
 * import threading
 * local_school = threading.local()       # a global ThreadLocal object
 * def process_student():
 *     std = local_school.student         # the student of the current thread
 *     print('Hello, %s (in %s)' % (std, threading.current_thread().name))
 * def process_thread(name):
 *     local_school.student = name        # bind this thread's student
 *     process_student()
 * t1 = threading.Thread(target=process_thread, args=('Alice',), name='Thread-A')
 * t2 = threading.Thread(target=process_thread, args=('Bob',), name='Thread-B')
 * t1.start()
 * t2.start()
 * t1.join()
 * t2.join()
 * '''
 * Hello, Alice (in Thread-A)
 * Hello, Bob (in Thread-B)
 * '''
 * ```
 *
 * `threading.local()` is `FiberLocal`: one value per task, and every new
 * task starts from the initializer, as every new Python thread starts with
 * an empty `local`. `threading.Thread(target, args, name)` + `start()` is
 * `executor.submit(effect, { name })`, and `current_thread().name` is
 * `Executor.currentTaskName`. Both tasks yield between binding and reading,
 * so they really interleave, and each still reads its own student.
 *
 * Checks: each task printed its own student and name; the main program has
 * no student bound (its value is the initializer's).
 *
 * Run: `pnpm tsx examples/threading-local-students.ts`
 */
import { Executor, FiberLocal, Future } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Option } from "effect"
import { checkAloud } from "./support/report.ts"

const localSchool = FiberLocal.makeUnsafe<string | undefined>(() => undefined) // local_school = threading.local()
const currentThreadName = Effect.map(Executor.currentTaskName, Option.getOrElse(() => "MainThread"))

const lines: Array<string> = []

const processStudent = Effect.gen(function*() {
  const std = yield* localSchool.get
  const line = `Hello, ${std} (in ${yield* currentThreadName})`
  lines.push(line)
  console.log(line)
})

const processThread = (name: string) =>
  Effect.gen(function*() {
    yield* localSchool.set(name)
    yield* Effect.yieldNow // let the other thread bind its student meanwhile
    yield* processStudent
  })

const program = Effect.scoped(Effect.gen(function*() {
  const executor = yield* Executor.make()
  const t1 = yield* executor.submit(processThread("Alice"), { name: "Thread-A" })
  const t2 = yield* executor.submit(processThread("Bob"), { name: "Thread-B" })
  yield* Future.join(t1)
  yield* Future.join(t2)
  yield* checkAloud(
    [...lines].sort().join("|") === "Hello, Alice (in Thread-A)|Hello, Bob (in Thread-B)",
    "each thread saw its own student"
  )
  yield* checkAloud((yield* localSchool.get) === undefined, "the main program has no student bound")
}))

NodeRuntime.runMain(program)
