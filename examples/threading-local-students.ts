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
 * `threading.local()` is `FiberLocal`; the thread name is a second
 * `FiberLocal`. Both fibers yield between binding and reading, so they really
 * interleave, and each still reads its own student.
 *
 * Run: `pnpm tsx examples/threading-local-students.ts`
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { FiberLocal } from "@corun/core"
import { checkAloud } from "./support/report.ts"

const localSchool = FiberLocal.makeUnsafe<string | undefined>(() => undefined) // local_school = threading.local()
const threadName = FiberLocal.makeUnsafe(() => "MainThread")

const lines: Array<string> = []

const processStudent = Effect.gen(function*() {
  const std = yield* localSchool.get
  const line = `Hello, ${std} (in ${yield* threadName.get})`
  lines.push(line)
  console.log(line)
})

const processThread = (name: string) =>
  Effect.gen(function*() {
    yield* localSchool.set(name)
    yield* Effect.yieldNow // let the other thread bind its student meanwhile
    yield* processStudent
  })

const thread = (target: Effect.Effect<void>, name: string) => Effect.andThen(threadName.set(name), target)

const program = Effect.gen(function*() {
  yield* Effect.all([thread(processThread("Alice"), "Thread-A"), thread(processThread("Bob"), "Thread-B")], {
    concurrency: "unbounded",
    discard: true
  })
  yield* checkAloud(
    lines.join("|") === "Hello, Alice (in Thread-A)|Hello, Bob (in Thread-B)",
    "each thread saw its own student"
  )
  yield* checkAloud((yield* localSchool.get) === undefined, "the main fiber has no student bound")
})

NodeRuntime.runMain(program)
