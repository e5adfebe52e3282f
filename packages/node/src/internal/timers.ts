/**
 * A timer for any delay. `setTimeout` holds at most 2^31 − 1 ms (about 24.8
 * days) and fires at once for anything longer, so a "30 days" timeout armed
 * with it would fire immediately. `LongTimeout` waits in steps of at most
 * that long, as Effect's own `Clock.sleep` does. Not part of the public API.
 *
 * @internal
 */
import * as Backend from "@corun/core/Backend"

const MAX_TIMER_MILLIS = Backend.Validation.MAX_TIMER_MILLIS

/** Runs `f` once, `ms` milliseconds from now, unless `clear` is called first. */
export class LongTimeout {
  handle: ReturnType<typeof setTimeout>
  readonly f: () => void
  readonly unref: boolean

  constructor(f: () => void, ms: number, options?: { readonly unref?: boolean }) {
    this.f = f
    this.unref = options?.unref === true
    this.handle = this.arm(ms)
  }

  arm(ms: number): ReturnType<typeof setTimeout> {
    const handle = ms > MAX_TIMER_MILLIS
      ? setTimeout(() => {
        this.handle = this.arm(ms - MAX_TIMER_MILLIS)
      }, MAX_TIMER_MILLIS)
      : setTimeout(this.f, ms)
    if (this.unref) handle.unref()
    return handle
  }

  clear(): void {
    clearTimeout(this.handle)
  }
}
