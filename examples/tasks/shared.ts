/**
 * The targets of `examples/shared-memory-lost-update.ts`: `task1(loop)` and
 * `task2(loop)` of the Chinese tutorial “实现多任务”, each adding 1 to `num`
 * `loop` times as `temp = num; num = temp + 1`, here on a shared
 * `Value('i', 0)` instead of a global. They run in worker threads and print
 * there. Erasable TypeScript only.
 */
import * as Task from "@corun/core/Task"
import { SharedMemory } from "@corun/node"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"

const Input = Schema.Struct({
  num: SharedMemory.valueSchema("i"),
  loop: Schema.Number,
  /** Hold `num.get_lock()` around each `temp = num.value; num.value = temp + 1`. */
  withLock: Schema.Boolean
})

const addLoop = (name: string) => ({ loop, num, withLock }: typeof Input.Type) =>
  Effect.gen(function*() {
    // temp = num.value; num.value = temp + 1 — a read, then a write
    const increment = Effect.flatMap(num.get, (temp) => num.set(temp + 1))
    const step = withLock ? num.getLock().withLock(increment) : increment
    for (let i = 0; i < loop; i++) yield* step
    console.log(`${name}: ${yield* num.get}`)
  }).pipe(Effect.orDie)

/** `task1(loop)`. */
export const task1 = Task.make("task1", { input: Input, output: Schema.Void, run: addLoop("task1") })

/** `task2(loop)`: the same. */
export const task2 = Task.make("task2", { input: Input, output: Schema.Void, run: addLoop("task2") })
