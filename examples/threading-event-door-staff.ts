/**
 * Port of the door and card-swiping staff program of the Chinese notes
 * “python学习笔记-进程线程” (section 11, "刷卡例子"): one thread is the door, five are
 * staff; a staff member who finds the door closed swipes the card (sets the
 * event); the door stays open for 3 ticks, then closes (clears it) and waits
 * for a swipe.
 *
 * ```python
 * def door():
 *     door_open_time_counter = 0
 *     while True:
 *         if door_swiping_event.is_set():
 *             print("door opening....")
 *             door_open_time_counter += 1
 *         else:
 *             print("door closed...., swipe to open.")
 *             door_open_time_counter = 0
 *             door_swiping_event.wait()
 *         if door_open_time_counter > 3:  # open for 3 s: close it
 *             door_swiping_event.clear()
 *         time.sleep(0.5)
 * def staff(n):
 *     print("staff [%s] is comming..." % n)
 *     while True:
 *         if door_swiping_event.is_set():
 *             print("door is opened, passing.....")
 *             break
 *         else:
 *             print("staff [%s] sees door got closed, swipping the card....." % n)
 *             door_swiping_event.set()
 *         time.sleep(0.5)
 * door_swiping_event = threading.Event()
 * door_thread = threading.Thread(target=door)
 * door_thread.start()
 * for i in range(5):
 *     p = threading.Thread(target=staff, args=(i,))
 *     time.sleep(random.randrange(3))
 *     p.start()
 * ```
 *
 * Bounded and scaled: 0.5 s → 20 ms, `random.randrange(3)` s → 0–2 × 40 ms
 * from a seeded generator; the door stops once all five staff have passed
 * (the original runs forever). The program checks that everyone passed, and
 * only through an open door.
 *
 * One change to the logic: the door resets its open-time counter when it
 * closes. In the original the counter is reset only when the door sees itself
 * closed, so a staff member who keeps swiping in step with the door (both
 * tick every 0.5 s) can lock the two into flapping forever: the door, its
 * counter stuck above 3, clears the event on every tick, the staff member
 * sets it again before the door looks, and neither ever sees the other's
 * state. Threads drift apart by chance; fibers on one clock do not.
 *
 * Run: `pnpm tsx examples/threading-event-door-staff.ts`
 */
import { Event } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect, Fiber } from "effect"
import { checkAloud } from "./support/report.ts"

const HALF_SECOND = 20
const SECOND = 2 * HALF_SECOND
const STAFF = 5

let seed = 7
const randrange = (n: number) => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff
  return (seed >>> 16) % n
}

const program = Effect.gen(function*() {
  const doorSwipingEvent = yield* Event.make()
  let passed = 0
  let swipes = 0
  const wrongPasses: Array<number> = []

  const door = Effect.gen(function*() {
    let doorOpenTimeCounter = 0
    while (passed < STAFF) {
      if (yield* doorSwipingEvent.isSet) {
        console.log("door opening....")
        doorOpenTimeCounter += 1
      } else {
        console.log("door closed...., swipe to open.")
        doorOpenTimeCounter = 0
        // Wake up at the latest every second to notice that everyone passed.
        yield* doorSwipingEvent.wait({ timeout: SECOND })
      }
      if (doorOpenTimeCounter > 3) {
        yield* doorSwipingEvent.clear // open for 3 ticks: close
        doorOpenTimeCounter = 0 // (added: see the note above)
      }
      yield* Effect.sleep(HALF_SECOND)
    }
  })

  const staff = (n: number) =>
    Effect.gen(function*() {
      console.log(`staff [${n}] is comming...`)
      while (true) {
        if (yield* doorSwipingEvent.isSet) {
          console.log(`door is opened, passing..... (staff [${n}])`)
          passed++
          break
        } else {
          console.log(`staff [${n}] sees door got closed, swipping the card.....`)
          swipes++
          yield* doorSwipingEvent.set
          if (!(yield* doorSwipingEvent.isSet)) wrongPasses.push(n)
        }
        yield* Effect.sleep(HALF_SECOND)
      }
    })

  const doorFiber = yield* Effect.forkChild(door)
  const staffFibers = []
  for (let i = 0; i < STAFF; i++) {
    yield* Effect.sleep(randrange(3) * SECOND)
    staffFibers.push(yield* Effect.forkChild(staff(i)))
  }
  yield* Fiber.joinAll(staffFibers)
  yield* Fiber.join(doorFiber) // the door notices everyone passed and stops
  console.log(`all ${passed} staff passed; ${swipes} card swipes`)
  yield* checkAloud(passed === STAFF, `all ${STAFF} staff passed`)
  yield* checkAloud(wrongPasses.length === 0 && swipes > 0, "a swipe opens the door at once")
})

NodeRuntime.runMain(program)
