/**
 * Objects a parent serves to the workers it started: `ProcessQueue`s and
 * `Pipe` ends live in the process that made them, and task code in a worker
 * reaches them with calls over the worker's channel (`R_CALL` → `REPLY`, see
 * `protocol.ts`; the worker's side is in `worker.ts`). Values cross encoded
 * (the objects' schemas encode them on one side and decode them on the
 * other); errors cross as `{ _tag, ...fields }` and come back as corun's
 * tagged errors.
 *
 * Nothing handed to a worker is lost when it dies: a call still running
 * when its worker exits is interrupted (a `get` waiting for an item takes
 * none), and what a call handed over comes back (`handOver`'s rollback)
 * unless the worker acknowledged receiving it (`R_ACK`, queued before the
 * value reaches task code and sent with the worker's other records at the
 * end of that tick — a worker dying within that tick may see a value that
 * is then handed out again; only such replies are acknowledged).
 *
 * @internal
 */
import { Errors } from "@corun/core"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import type * as Scope from "effect/Scope"
import * as P from "./protocol.ts"

/** What a served method knows of its call. */
export interface CallContext {
  /** Who calls: one object per worker, `local` for this process itself. */
  readonly caller: object
  /** Names how to take back what the call gives away, if the caller dies before receiving it. */
  readonly handOver: (rollback: () => void) => void
  /** Runs `cleanup` if the caller dies (a lock it holds is released…); returns its cancellation. */
  readonly onGone: (cleanup: () => void) => () => void
}

/** A served object: runs one method call. */
export interface Served {
  readonly call: (method: string, args: unknown, context: CallContext) => Effect.Effect<unknown, unknown>
  /**
   * The same call when it can be answered at once without waiting (an item
   * is there to take, there is room to put); `undefined`: run `call`.
   */
  readonly callNow?: (method: string, args: unknown, context: CallContext) => Exit.Exit<unknown, unknown> | undefined
}

/** The caller of calls this process makes on its own objects. */
export const local: object = { local: true }

/** The context of a call this process makes on its own objects: nothing to take back, never gone. */
export const localContext: CallContext = {
  caller: local,
  handOver: () => {},
  onGone: () => () => {}
}

/** A call this process makes on its own object: the immediate answer when there is one. */
export const callHere = (object: Served, method: string, args: unknown): Effect.Effect<unknown, unknown> =>
  object.callNow?.(method, args, localContext) ?? object.call(method, args, localContext)

/** The same for a call nobody waits for (a `put` that cannot block): its outcome, without its value. */
export const castHere = (object: Served, method: string, args: unknown): Effect.Effect<void, unknown> => {
  const now = object.callNow?.(method, args, localContext)
  return now !== undefined ? Exit.asVoid(now) : Effect.asVoid(object.call(method, args, localContext))
}

const objects = new Map<number, Served>()
/**
 * Ids start at a random multiple of 2^21 in each process (below 2^52: exact
 * as numbers), so a handle that reaches a process that does not serve it —
 * a grandchild handed its grandparent's queue — names no object there,
 * rather than one of that process's own.
 */
let nextObjectId = Math.floor(Math.random() * 2 ** 31) * 2 ** 21 + 1

/** Serves `object` until the scope closes; returns its id (what handles carry). */
export const serve = (object: Served): Effect.Effect<number, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const id = nextObjectId++
      objects.set(id, object)
      return id
    }),
    (id) => Effect.sync(() => objects.delete(id))
  )

/** One worker that makes calls, and how to answer it. */
export interface Caller {
  readonly reply: (callId: number, ok: 0 | 1 | 2, value: unknown) => void
  /** Calls running, by id. */
  readonly running: Map<number, Fiber.Fiber<unknown, unknown>>
  /** What answered calls handed over, until the worker acknowledges them. */
  readonly unacked: Map<number, () => void>
  /** What to undo when the worker dies (`CallContext.onGone`). */
  readonly cleanups: Set<() => void>
  /** The error of a call nobody waited for (id 0), by object: the answer to the caller's next call on it. */
  readonly deferred: Map<number, unknown>
  gone: boolean
}

/** A caller for a worker whose replies go through `reply`. */
export const makeCaller = (reply: Caller["reply"]): Caller => ({
  reply,
  running: new Map(),
  unacked: new Map(),
  cleanups: new Set(),
  deferred: new Map(),
  gone: false
})

/** An error as it crosses: its tag and its own fields. */
export const encodeError = (error: unknown): unknown => {
  if (typeof error === "object" && error !== null && "_tag" in error) {
    return { ...error, _tag: (error as { _tag: unknown })._tag, message: (error as { message?: unknown }).message }
  }
  return { _tag: "Die", message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }
}

/** The errors served objects fail with, by tag: they come back as themselves. */
const known: Record<string, new(fields: any) => unknown> = {
  QueueEmpty: Errors.QueueEmpty,
  QueueFull: Errors.QueueFull,
  QueueShutDown: Errors.QueueShutDown,
  InvalidArgumentError: Errors.InvalidArgumentError,
  EOFError: Errors.EOFError,
  LockNotOwnedError: Errors.LockNotOwnedError,
  SemaphoreOverReleaseError: Errors.SemaphoreOverReleaseError
}

/** Rebuilds an error that crossed (`encodeError`); one corun does not know is a defect. */
export const decodeError = (value: unknown): Exit.Exit<never, unknown> => {
  const fields = value as { _tag?: string; message?: string }
  const make = fields._tag === undefined ? undefined : known[fields._tag]
  if (make !== undefined) {
    const { _tag, ...rest } = fields
    void _tag
    return Exit.fail(new make(rest))
  }
  return Exit.die(new Error(fields.message ?? String(value)))
}

/** Nobody waits for a call with id 0: an error is kept for the caller's next call on the object. */
const settleCastOf = (caller: Caller, objectId: number, exit: Exit.Exit<unknown, unknown>): void => {
  if (Exit.isFailure(exit) && !caller.gone) {
    const reason = exit.cause.reasons[0]
    if (reason !== undefined && reason._tag !== "Interrupt") {
      caller.deferred.set(objectId, encodeError(reason._tag === "Fail" ? reason.error : reason.defect))
    }
  }
}

/** A call from `caller`: runs the method, then replies (or rolls back, if the caller is gone by then). */
export const onCall = (caller: Caller, callId: number, objectId: number, method: string, args: unknown): void => {
  const object = objects.get(objectId)
  if (object === undefined) {
    caller.reply(callId, 0, {
      _tag: "QueueShutDown",
      message: "the object this handle refers to is not served by this process's parent: its owner's scope closed, " +
        "or the handle was passed on to a process its owner did not start itself (handles reach direct children only)"
    })
    return
  }
  const deferred = caller.deferred.get(objectId)
  if (deferred !== undefined && callId !== 0) {
    caller.deferred.delete(objectId)
    caller.reply(callId, 0, deferred)
    return
  }
  let rollback: (() => void) | undefined
  const context: CallContext = {
    caller,
    handOver: (undo) => (rollback = undo),
    onGone: (cleanup) => {
      caller.cleanups.add(cleanup)
      return () => caller.cleanups.delete(cleanup)
    }
  }
  const settleCast = (exit: Exit.Exit<unknown, unknown>) => settleCastOf(caller, objectId, exit)
  const settleCall = (exit: Exit.Exit<unknown, unknown>) => {
    if (caller.gone) {
      rollback?.()
      return
    }
    if (Exit.isSuccess(exit)) {
      // Only a value handed over is acknowledged (and taken back without it).
      if (rollback !== undefined) caller.unacked.set(callId, rollback)
      caller.reply(callId, rollback === undefined ? 1 : 2, exit.value)
      return
    }
    rollback?.()
    const reason = exit.cause.reasons[0]
    if (reason === undefined || reason._tag === "Interrupt") return // cancelled by the caller: no reply wanted
    caller.reply(callId, 0, encodeError(reason._tag === "Fail" ? reason.error : reason.defect))
  }
  // The common case answers at once (an item to take, room to put): no fiber.
  const now = object.callNow?.(method, args, context)
  if (now !== undefined) return callId === 0 ? settleCast(now) : settleCall(now)
  const fiber = Effect.runFork(object.call(method, args, context))
  if (callId === 0) {
    const done = fiber.pollUnsafe()
    if (done !== undefined) settleCast(done)
    else fiber.addObserver(settleCast)
    return
  }
  caller.running.set(callId, fiber)
  fiber.addObserver((exit) => {
    caller.running.delete(callId)
    settleCall(exit)
  })
}

/**
 * Calls nobody waits for, of one method on one object (`R_CASTS`): one
 * context for all, and each answered at once when it can be (a put with
 * room) — the per-item cost of a producer's stream of `put`s.
 */
const onCasts = (caller: Caller, objectId: number, method: string, argsList: ReadonlyArray<unknown>): void => {
  const object = objects.get(objectId)
  if (object === undefined) return // its owner's scope closed: the next call on it says so
  const context: CallContext = {
    caller,
    handOver: () => {}, // nothing is handed back to a call without a reply
    onGone: (cleanup) => {
      caller.cleanups.add(cleanup)
      return () => caller.cleanups.delete(cleanup)
    }
  }
  for (const args of argsList) {
    const now = object.callNow?.(method, args, context)
    if (now !== undefined) settleCastOf(caller, objectId, now)
    else onCall(caller, 0, objectId, method, args)
  }
}

/** A worker's record about a call to a served object (`R_CALL`, `R_ACK`, `R_CANCEL_CALL`, `R_CASTS`). */
export type CallRecord = Extract<
  P.Reply,
  readonly [typeof P.R_CALL | typeof P.R_ACK | typeof P.R_CANCEL_CALL | typeof P.R_CASTS, ...Array<any>]
>

/** Whether a worker's record is about a call to a served object. */
export const isCallRecord = (message: P.Reply): message is CallRecord =>
  message[0] === P.R_CALL || message[0] === P.R_ACK || message[0] === P.R_CANCEL_CALL || message[0] === P.R_CASTS

/** Handles a worker's record about a call to a served object. */
export const onRecord = (caller: Caller, message: CallRecord): void => {
  if (message[0] === P.R_CALL) onCall(caller, message[1], message[2], message[3], message[4])
  else if (message[0] === P.R_CASTS) onCasts(caller, message[1], message[2], message[3])
  else if (message[0] === P.R_ACK) onAck(caller, message[1])
  else onCancel(caller, message[1])
}

/** The worker received the reply to `callId`. */
export const onAck = (caller: Caller, callId: number): void => {
  caller.unacked.delete(callId)
}

/** The task stopped waiting for `callId` (it was interrupted, or timed out on its side). */
export const onCancel = (caller: Caller, callId: number): void => {
  caller.running.get(callId)?.interruptUnsafe()
  caller.unacked.get(callId)?.()
  caller.unacked.delete(callId)
}

/** The worker is gone: its running calls are interrupted, what it had not acknowledged comes back. */
export const callerGone = (caller: Caller): void => {
  caller.gone = true
  for (const fiber of caller.running.values()) fiber.interruptUnsafe()
  for (const rollback of caller.unacked.values()) rollback()
  caller.unacked.clear()
  for (const cleanup of caller.cleanups) cleanup()
  caller.cleanups.clear()
}

/** The worker side's channel to its parent's objects (set by `worker.ts`); `undefined` in a main program. */
interface Channel {
  readonly call: (
    objectId: number,
    method: string,
    args: unknown,
    resume: (ok: 0 | 1, value: unknown) => void
  ) => number
  readonly cancel: (callId: number) => void
  readonly cast: (objectId: number, method: string, args: unknown) => void
}

/** The failure of a value that cannot be cloned to another process. */
const cannotSend = (error: unknown) =>
  new Errors.InvalidArgumentError({
    argument: "value",
    message: `the value cannot be sent to another process: ${
      error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    }`
  })

/**
 * Calls `method` on the parent's object `objectId` from a worker without
 * waiting for it (a `put` that cannot block): no reply; an error it meets
 * answers the next call on that object. Sent now (with the tick's other
 * records), so it answers at once: call it inside an `Effect.suspend`.
 */
export const remoteCast = (objectId: number, method: string, args: unknown): Exit.Exit<void, unknown> => {
  const link = channel()
  if (link === undefined) return Exit.die(new Error("this handle belongs to another process and cannot be used here"))
  try {
    link.cast(objectId, method, args)
  } catch (error) {
    return Exit.fail(cannotSend(error))
  }
  return Exit.void
}

const CHANNEL = Symbol.for("@corun/node/channel")

const channel = (): Channel | undefined => (globalThis as any)[CHANNEL]

/**
 * Calls `method` on the parent's object `objectId` from a worker; the call
 * is cancelled in the parent when this effect is interrupted.
 */
export const remoteCall = (objectId: number, method: string, args: unknown): Effect.Effect<unknown, unknown> =>
  Effect.callback<unknown, unknown>((resume) => {
    const link = channel()
    if (link === undefined) {
      return resume(Effect.die(new Error("this handle belongs to another process and cannot be used here")))
    }
    let id: number
    try {
      id = link.call(
        objectId,
        method,
        args,
        (ok, value) => resume(ok === 1 ? Effect.succeed(value) : decodeError(value))
      )
    } catch (error) {
      return resume(Effect.fail(cannotSend(error)))
    }
    return Effect.sync(() => link.cancel(id))
  })
