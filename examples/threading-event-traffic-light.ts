/**
 * Port of the traffic-light `Event` program of the Chinese notes
 * “python学习笔记-进程线程” (section 11, "Events"): one thread is the light, three
 * are cars; the event is set while the light is green (and yellow), cleared
 * while it is red.
 *
 * ```python
 * def light():
 *     if not event.isSet():
 *         event.set()  # green
 *     count = 0
 *     while True:
 *         if count < 10:
 *             print('--green light on---')
 *         elif count < 13:
 *             print('--yellow light on---')
 *         elif count < 20:
 *             if event.isSet():
 *                 event.clear()
 *             print('--red light on---')
 *         else:
 *             count = 0
 *             event.set()  # green again
 *         time.sleep(1)
 *         count += 1
 * def car(n):
 *     while 1:
 *         time.sleep(random.randrange(10))
 *         if event.isSet():  # green
 *             print("car [%s] is running.." % n)
 *         else:
 *             print("car [%s] is waiting for the red light.." % n)
 * if __name__ == '__main__':
 *     event = threading.Event()
 *     Light = threading.Thread(target=light)
 *     Light.start()
 *     for i in range(3):
 *         t = threading.Thread(target=car, args=(i,))
 *         t.start()
 * ```
 *
 * Bounded and scaled: the light runs 2 full cycles (42 ticks) instead of
 * forever, one tick (1 s) is 25 ms, and the cars stop when the light does.
 * `random.randrange(10)` uses a seeded generator so every run is the same.
 * A waiting car also calls `event.wait()` (the point of an Event) and drives
 * on when the light turns green; the program checks that every "running"
 * line was printed while the light was green or yellow.
 *
 * Run: `pnpm tsx examples/threading-event-traffic-light.ts`
 */
import { Event } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { checkAloud } from "./support/report.ts"

const TICK = 25 // one second of the tutorial
const TICKS = 42 // two full cycles of the light

let seed = 42
const randrange = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return (seed >>> 16) % n
}

const program = Effect.gen(function*() {
  const event = yield* Event.make()
  let color: "green" | "yellow" | "red" = "green"
  let lightOn = true
  const violations: Array<string> = []
  let runs = 0
  let waits = 0

  const light = Effect.gen(function*() {
    if (!(yield* event.isSet)) yield* event.set
    let count = 0
    for (let tick = 0; tick < TICKS; tick++) {
      if (count < 10) {
        color = "green"
        console.log("--green light on---")
      } else if (count < 13) {
        color = "yellow"
        console.log("--yellow light on---")
      } else if (count < 20) {
        if (yield* event.isSet) yield* event.clear
        color = "red"
        console.log("--red light on---")
      } else {
        count = 0
        color = "green"
        yield* event.set
      }
      yield* Effect.sleep(TICK)
      count += 1
    }
    lightOn = false
    yield* event.set // let waiting cars go home
  })

  const car = (n: number) =>
    Effect.gen(function*() {
      while (lightOn) {
        yield* Effect.sleep(randrange(10) * TICK)
        if (!lightOn) break
        if (yield* event.isSet) {
          if (color === "red") violations.push(`car [${n}] ran a red light`)
          runs++
          console.log(`car [${n}] is running..`)
        } else {
          waits++
          console.log(`car [${n}] is waiting for the red light..`)
          yield* event.wait()
          if (lightOn) console.log(`car [${n}] sees green, going`)
        }
      }
    })

  yield* Effect.all([light, car(0), car(1), car(2)], { concurrency: "unbounded", discard: true })
  console.log(`light done after ${TICKS} ticks: ${runs} car passes, ${waits} stops at red`)
  yield* checkAloud(violations.length === 0, "no car ran while the event was clear (red)")
  yield* checkAloud(runs > 0 && waits > 0, "cars both drove on green and waited on red")
})

NodeRuntime.runMain(program)
