/**
 * Port of the `os.fork()` program of the Chinese tutorial “Python之进程与线程”:
 *
 * ```python
 * import os
 * print('Process (%s) start...' % os.getpid())
 * pid = os.fork()   # Unix only
 * if pid == 0:
 *     print('I am child process (%s) and my parent is %s.' % (os.getpid(), os.getppid()))
 * else:
 *     print('I (%s) just created a child process (%s).' % (os.getpid(), pid))
 * ```
 *
 * Node has no `fork()`: a running program cannot be copied into a new
 * process that carries on from the same line. What the program shows — a
 * child process with a pid of its own, whose parent is the program that
 * made it — is shown with `Process`: the child's code is a task, run in a
 * new process (its own memory, its own module state, as a forked child's).
 *
 * Checks: the child saw the main program as its parent and a pid of its
 * own (else it fails: exit code 1), and its pid is not the main program's.
 *
 * Run: `pnpm tsx examples/process-fork.ts`
 */
import { Process } from "@corun/node"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Option } from "effect"
import { check, print } from "./support/report.ts"
import { forkChild } from "./tasks/processes.ts"

const program = Effect.scoped(Effect.gen(function*() {
  const me = yield* Process.current
  yield* print(`Process (${me.pid}) start...`)
  const child = yield* Process.make({
    tasks: new URL("./tasks/processes.ts", import.meta.url),
    target: forkChild,
    args: { parent: me.pid }
  })
  yield* child.start
  const pid = Option.getOrThrow(yield* child.pid)
  yield* print(`I (${me.pid}) just created a child process (${pid}).`)
  yield* child.join()
  yield* check(Option.getOrUndefined(yield* child.exitCode) === 0, "the child saw this program as its parent")
  yield* check(pid !== me.pid, "the child has a pid of its own")
}))

NodeRuntime.runMain(program)
