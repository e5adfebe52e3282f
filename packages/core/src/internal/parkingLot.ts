/**
 * The one FIFO wait list of the toolbox, after Trio's `ParkingLot`
 * (`trio.lowlevel.ParkingLot`): fibers park in it and are unparked in
 * arrival order, `n` at a time or all at once, or moved to another lot.
 * `Lock`, `RLock`, `Condition`, `Semaphore`, `Barrier`, `Event` and
 * `TaskQueue` all wait here, so the waiting, the wake-up scheduling and the
 * interruption rules are written once.
 *
 * A waiter is a `Waiter` record in an intrusive doubly-linked list (O(1) to
 * append, unpark and leave, no allocation besides the record itself; a
 * primitive may subclass `Waiter` to carry its own data, as `Lock`'s
 * waiter carries the acquisition it is handed). Its life: `enqueue` (`PARKED`) → `unpark` (`WOKEN`:
 * handed the wake-up, resumed on the next scheduler tick) → `settle`
 * (`IDLE`: the wait is over, kept or given up).
 *
 * Two ways to wait:
 *
 * - Hand-off (`enqueue` in the step that found nothing to take, then
 *   `await`): the value (the lock, a permit) is handed to the waiter when it
 *   is unparked, before it runs, so a barging caller cannot take it. The
 *   wait settles in the same uninterruptible step it ends in: a waiter woken
 *   and then interrupted hands the value on with the lot's `passOn` (the
 *   next waiter, or back to the primitive), so no wake-up is lost.
 * - Hint (`wait(ready)`): a wake-up only says "look again" (a `TaskQueue`
 *   item, a `Barrier` state change); the woken fiber re-checks. A waiter
 *   woken and interrupted before it ran passes the wake-up to the next one.
 *
 * Wake-ups are not run in the stack of the fiber that unparks: the woken
 * fibers are resumed in one batch on the next tick of its scheduler (as
 * Effect's own `Semaphore` does), which also makes a burst of `unpark`s cost
 * one scheduled task.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { scheduleUnsafe } from "./options.ts"
import { within } from "./timeout.ts"

// The states are named constants, not a string union: they are set on every
// park and wake-up, and a small integer field keeps the record's shape fixed.

/** Not in any lot: new, or its wait is over. */
export const IDLE = 0
/** In a lot's list, waiting to be unparked. */
export const PARKED = 1
/** Unparked (handed the wake-up), not yet settled. */
export const WOKEN = 2

/** Where a waiter is in its life. */
export type WaiterState = typeof IDLE | typeof PARKED | typeof WOKEN

/** One parked fiber. Primitives may extend it to carry their own data. */
export class Waiter {
  state: WaiterState = IDLE
  /** The lot it is parked in, or (once `WOKEN`) the lot that woke it. */
  lot: ParkingLot | undefined = undefined
  prev: Waiter | undefined = undefined
  next: Waiter | undefined = undefined
  /** Resumes the parked fiber; set while the fiber is suspended. */
  resume: ((effect: Effect.Effect<void>) => void) | undefined = undefined
}

/**
 * A snapshot of a lot (Trio's `ParkingLot.statistics()`): how many fibers
 * are parked, and how many were unparked but have not run yet.
 */
export interface Statistics {
  readonly parked: number
  readonly woken: number
}

/**
 * What a lot does with a wake-up that a woken waiter gave up (it was
 * interrupted before it ran): hand it to someone else. The default unparks
 * the next waiter.
 */
export type PassOn = (lot: ParkingLot, waiter: Waiter) => void

const unparkNext: PassOn = (lot) => {
  lot.unpark(1)
}

type Restore = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/** A FIFO list of parked fibers; see the module comment. */
export class ParkingLot {
  head: Waiter | undefined = undefined
  tail: Waiter | undefined = undefined
  /** How many waiters are parked (in the list). */
  parked = 0
  /** How many waiters were unparked and have not settled (not run yet). */
  woken = 0
  /** Woken waiters to resume on the next tick. */
  pending: Array<Waiter> = []
  readonly passOn: PassOn
  /**
   * Hint mode (`wait`): a wake-up hands nothing over, so a woken waiter's
   * wait is over as it is resumed. Otherwise (`await`) the waiter settles
   * itself.
   */
  readonly hint: boolean

  constructor(options?: { readonly passOn?: PassOn | undefined; readonly hint?: boolean | undefined }) {
    this.passOn = options?.passOn ?? unparkNext
    this.hint = options?.hint === true
  }

  /** Trio's `statistics()`. */
  statistics(): Statistics {
    return { parked: this.parked, woken: this.woken }
  }

  /**
   * Parks `waiter` at the end of the list. Call it in the step that found
   * nothing to take, so that an `unpark` in between cannot be missed; then
   * `await` it.
   */
  enqueue<W extends Waiter>(waiter: W): W {
    waiter.state = PARKED
    waiter.lot = this
    waiter.next = undefined
    waiter.prev = this.tail
    if (this.tail === undefined) this.head = waiter
    else this.tail.next = waiter
    this.tail = waiter
    this.parked++
    return waiter
  }

  /** Takes `waiter` (parked here) out of the list. */
  unlink(waiter: Waiter): void {
    const { next, prev } = waiter
    if (prev === undefined) this.head = next
    else prev.next = next
    if (next === undefined) this.tail = prev
    else next.prev = prev
    waiter.prev = undefined
    waiter.next = undefined
    this.parked--
  }

  /**
   * Unparks the longest waiter and returns it (`undefined` when none): it is
   * `WOKEN` from now on and resumed on the next tick. In hand-off mode the
   * caller gives it the value in the same step (the lock's holder, a
   * permit).
   */
  unparkOne(): Waiter | undefined {
    const waiter = this.head
    if (waiter === undefined) return undefined
    this.unlink(waiter)
    waiter.state = WOKEN
    this.woken++
    if (this.pending.length === 0) scheduleUnsafe(this.flush)
    this.pending.push(waiter)
    return waiter
  }

  /** Unparks up to `n` waiters, in arrival order; returns how many. */
  unpark(n: number): number {
    let count = 0
    while (count < n && this.unparkOne() !== undefined) count++
    return count
  }

  /** Unparks every waiter; returns how many. */
  unparkAll(): number {
    return this.unpark(this.parked)
  }

  /**
   * Moves up to `n` waiters, in arrival order, to the end of `target`
   * (Trio's `repark`): they stay parked and are woken by `target`'s
   * unparks from now on. Returns how many moved.
   */
  repark(target: ParkingLot, n: number): number {
    let count = 0
    while (count < n) {
      const waiter = this.head
      if (waiter === undefined) break
      this.unlink(waiter)
      target.enqueue(waiter)
      count++
    }
    return count
  }

  /** Moves every waiter to `target`; returns how many. */
  reparkAll(target: ParkingLot): number {
    return this.repark(target, this.parked)
  }

  /** Resumes the woken waiters (the batch `unparkOne` scheduled). */
  readonly flush = (): void => {
    const pending = this.pending
    this.pending = []
    for (let i = 0; i < pending.length; i++) {
      const waiter = pending[i]
      // Skip a waiter that has settled (interrupted) or been parked again
      // since it was woken.
      if (waiter.state !== WOKEN || waiter.lot !== this) continue
      const resume = waiter.resume
      if (resume === undefined) continue
      waiter.resume = undefined
      if (this.hint) {
        // Nothing was handed over: the waiter's wait is over as it resumes.
        waiter.state = IDLE
        waiter.lot = undefined
        this.woken--
      }
      resume(Effect.void)
    }
  }

  /**
   * Suspends until `waiter` (enqueued, in this or another lot) is unparked;
   * returns at once if it already was. The caller must `settle` it when the
   * wait ends, however it ends (`await` does both).
   */
  park(waiter: Waiter): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      if (waiter.state === WOKEN) resume(Effect.void)
      else waiter.resume = resume
    })
  }

  /**
   * Hand-off wait: parks the enqueued `waiter` until it is unparked, or at
   * most `millis` (`undefined`: no limit; `0`: do not wait). Call it in an
   * uninterruptible region: only the wait runs in `restore`, and the wait
   * settles in the step it ends in. Returns whether the waiter was woken: a
   * wake-up that lands as the timeout fires is kept (true), and a waiter
   * woken and then interrupted passes its wake-up on (`passOn`).
   */
  await(waiter: Waiter, restore: Restore, millis: number | undefined): Effect.Effect<boolean> {
    let woken = false
    return Effect.map(
      Effect.onExitPrimitive(
        restore(millis === undefined ? this.park(waiter) : within(this.park(waiter), millis)),
        (exit) => {
          woken = settle(waiter, Exit.isSuccess(exit))
          return undefined
        },
        true
      ),
      () => woken
    )
  }

  /**
   * Hint wait (only for a lot made with `hint: true`): parks a new waiter
   * unless `ready()` holds already (checked in the same step, so a wake-up
   * between the caller's check and the parking is not missed), and returns
   * when it is unparked. The caller looks again. Interrupted after it was
   * woken, the waiter passes the wake-up on.
   */
  wait(ready: () => boolean): Effect.Effect<void> {
    return Effect.callback<void>((resume) => {
      if (ready()) {
        resume(Effect.void)
        return
      }
      const waiter = this.enqueue(new Waiter())
      waiter.resume = resume
      return Effect.sync(() => {
        settle(waiter, false)
      })
    })
  }
}

/**
 * Ends the wait of `waiter`, in the step the wait ended in. A waiter still
 * parked leaves its lot (returns false). A woken one keeps its wake-up when
 * `keep` is true (returns true); otherwise the lot that woke it passes the
 * wake-up on, and `settle` returns false. A waiter already settled: false.
 */
export const settle = (waiter: Waiter, keep: boolean): boolean => {
  const lot = waiter.lot
  waiter.resume = undefined
  if (lot === undefined) return false
  waiter.lot = undefined
  if (waiter.state === PARKED) {
    waiter.state = IDLE
    lot.unlink(waiter)
    return false
  }
  waiter.state = IDLE
  lot.woken--
  if (keep) return true
  lot.passOn(lot, waiter)
  return false
}
