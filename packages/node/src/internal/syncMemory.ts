/**
 * The state of `ProcessSync`'s locks, semaphores and events, in shared
 * memory: one `SharedArrayBuffer` per process (the arena) that every worker
 * thread it starts receives at spawn. Threads take and release a lock with
 * `Atomics` on it, never a message; the process that made the lock does the
 * same; a child process's calls are served by its parent, which runs these
 * very operations on the child's behalf (`ProcessSync`). One state, one
 * algorithm, whoever the parties are.
 *
 * Each lock is a cell of 32 Int32 words:
 *
 * | word | meaning |
 * |------|---------|
 * | 0 `GEN` | the cell's generation (0: free): a handle of a freed lock never touches its successor |
 * | 1 `KIND` | `Lock`, `RLock`, `Semaphore`, `BoundedSemaphore`, `Event` |
 * | 2 `SEQ` | bumped by every change a waiter may wait for (release, set): waits are on it |
 * | 3 `WAITERS` | how many wait: a release wakes only when someone waits |
 * | 4 `VALUE` | a `Lock`'s holder, an `RLock`'s owner (a party, 0: free); a semaphore's value; an event's flag |
 * | 5 `DEPTH` | an `RLock`'s depth |
 * | 6 `INITIAL` | a semaphore's initial value (a `BoundedSemaphore`'s bound) |
 * | 8… | a semaphore's holders: 12 pairs (party, count) |
 *
 * A party is whoever acquires: a thread (`threadId + 1`), or a child
 * process its parent acts for (numbers from `PROCESS_PARTY`). Ownership is
 * taken in the same atomic step as the lock (`compareExchange` of the
 * holder's party into `VALUE`), so the parent can always release the lock
 * of a party that died (`releaseParty`): its waiters go on. A semaphore
 * records its holders beside its value: a holder's count is raised before
 * the value is taken (and lowered again when it could not be taken), so a
 * party that dies between the two steps at worst gives back one more than
 * it held — never a deadlock. More than 12 parties holding one semaphore at
 * once are not all recorded (a dead one among them keeps its share).
 *
 * @internal
 */
import * as Effect from "effect/Effect"

export const KIND_LOCK = 1
export const KIND_RLOCK = 2
export const KIND_SEMAPHORE = 3
export const KIND_BOUNDED = 4
export const KIND_EVENT = 5

const GEN = 0
const KIND = 1
const SEQ = 2
const WAITERS = 3
const VALUE = 4
const DEPTH = 5
const INITIAL = 6
const HOLDERS = 8
const CELL_WORDS = 32
const HOLDER_PAIRS = (CELL_WORDS - HOLDERS) / 2
/** Cells in an arena: 1,024 live locks shared with threads (more are made, for the process and child processes only). */
const CELLS = 1024

/** The first party number of a child process (thread ids stay far below). */
const PROCESS_PARTY = 0x40000000

/** One lock's words: `h[base + …]`. */
export interface Cell {
  readonly h: Int32Array
  readonly base: number
  readonly gen: number
  /** Its index in the arena; -1: a cell of its own, not shared with threads. */
  readonly slot: number
}

/** A process's arena, and the cells of it in use. */
interface Arena {
  readonly id: number
  readonly h: Int32Array
  readonly free: Array<number>
  readonly live: Set<Cell>
  nextGen: number
}

const OWN = Symbol.for("@corun/node/syncMemory/own")
const PARENT = Symbol.for("@corun/node/syncMemory/parent")

/**
 * This process's arena (made at first use: the first lock, or the first
 * worker thread started). A process-wide slot: every copy of this module in
 * a thread must agree on it.
 */
export const ownArena = (): Arena => {
  const slot = globalThis as { [OWN]?: Arena }
  if (slot[OWN] === undefined) {
    const h = new Int32Array(new SharedArrayBuffer(CELLS * CELL_WORDS * 4))
    const free: Array<number> = []
    for (let i = CELLS - 1; i >= 0; i--) free.push(i)
    // A random id tells this arena from a parent's or a sibling's.
    let id = 0
    while (id === 0) id = (Math.random() * 0x7fffffff) | 0
    slot[OWN] = { id, h, free, live: new Set(), nextGen: 1 }
  }
  return slot[OWN]
}

/** The id of this process's arena, if it has one yet (a handle naming another arena is not ours). */
export const ownArenaId = (): number | undefined => (globalThis as { [OWN]?: Arena })[OWN]?.id

/** What a worker thread is given at spawn: its parent's arena (`WorkerInit.syncArena`). */
export const arenaForThread = (): { readonly id: number; readonly buffer: SharedArrayBuffer } => {
  const arena = ownArena()
  return { id: arena.id, buffer: arena.h.buffer as SharedArrayBuffer }
}

/** Called by a worker thread at start: its parent's arena. */
export const setParentArena = (arena: { readonly id: number; readonly buffer: SharedArrayBuffer } | undefined) => {
  ;(globalThis as any)[PARENT] = arena === undefined ? undefined : { id: arena.id, h: new Int32Array(arena.buffer) }
}

/** The cell `slot` of the parent's arena `arenaId`, if this thread shares it and the lock is still the same. */
export const parentCell = (arenaId: number, slot: number, gen: number): Cell | undefined => {
  const parent = (globalThis as any)[PARENT] as { id: number; h: Int32Array } | undefined
  if (parent === undefined || parent.id !== arenaId || slot < 0 || slot >= CELLS) return undefined
  return { h: parent.h, base: slot * CELL_WORDS, gen, slot }
}

/** A new cell of `kind` holding `value` (in the arena while it has room). */
export const allocate = (kind: number, value: number): Cell => {
  const arena = ownArena()
  const gen = arena.nextGen++
  const slot = arena.free.pop()
  const cell: Cell = slot === undefined
    ? { h: new Int32Array(new SharedArrayBuffer(CELL_WORDS * 4)), base: 0, gen, slot: -1 }
    : { h: arena.h, base: slot * CELL_WORDS, gen, slot }
  const { base, h } = cell
  for (let i = 1; i < CELL_WORDS; i++) Atomics.store(h, base + i, 0)
  Atomics.store(h, base + KIND, kind)
  // A lock's value word holds its holder (0: free).
  Atomics.store(h, base + VALUE, kind === KIND_LOCK || kind === KIND_RLOCK ? 0 : value)
  Atomics.store(h, base + INITIAL, value)
  Atomics.store(h, base + GEN, gen)
  arena.live.add(cell)
  return cell
}

/** Frees a cell (its lock's scope closed): handles still held elsewhere find it gone. */
export const release = (cell: Cell): void => {
  const arena = ownArena()
  if (!arena.live.delete(cell)) return
  Atomics.store(cell.h, cell.base + GEN, 0)
  bump(cell)
  if (cell.slot >= 0) arena.free.push(cell.slot)
}

/** Whether the lock behind `cell` still exists. */
export const isLive = (cell: Cell): boolean => Atomics.load(cell.h, cell.base + GEN) === cell.gen

// -----------------------------------------------------------------------------
// Parties
// -----------------------------------------------------------------------------

let threadParty = 0

/** This thread's party (`threadId + 1`). */
export const ownParty = (): number => {
  if (threadParty === 0) threadParty = process.getBuiltinModule("node:worker_threads").threadId + 1
  return threadParty
}

const processParties = new WeakMap<object, number>()
let nextProcessParty = PROCESS_PARTY

/**
 * The party of a child process this process acts for (a served caller);
 * `register` is called once, the first time, to release what it holds when
 * it is gone.
 */
export const processParty = (caller: object, register: (onGone: () => void) => void): number => {
  let party = processParties.get(caller)
  if (party === undefined) {
    party = nextProcessParty++
    processParties.set(caller, party)
    const gone = party
    register(() => releaseParty(gone))
  }
  return party
}

/**
 * A party is gone (a worker thread exited, a child process died): every
 * lock of this process it holds is released, its share of every semaphore
 * given back.
 */
export const releaseParty = (party: number): void => {
  const arena = (globalThis as { [OWN]?: Arena })[OWN]
  if (arena === undefined) return
  for (const cell of arena.live) {
    const { base, h } = cell
    const kind = h[base + KIND]
    if (kind === KIND_LOCK || kind === KIND_RLOCK) {
      if (Atomics.compareExchange(h, base + VALUE, party, 0) === party) bump(cell)
    } else if (kind === KIND_SEMAPHORE || kind === KIND_BOUNDED) {
      for (let i = 0; i < HOLDER_PAIRS; i++) {
        const at = base + HOLDERS + 2 * i
        if (Atomics.load(h, at) !== party) continue
        const count = Atomics.exchange(h, at + 1, 0)
        Atomics.compareExchange(h, at, party, 0)
        if (count > 0) {
          Atomics.add(h, base + VALUE, count)
          bump(cell)
        }
      }
    }
  }
}

/** A worker thread this process started has exited. */
export const threadExited = (threadId: number): void => releaseParty(threadId + 1)

// -----------------------------------------------------------------------------
// Operations (any thread; the parent also for its child processes)
// -----------------------------------------------------------------------------

/** Wakes the waiters: something they wait for may have changed. */
const bump = (cell: Cell): void => {
  Atomics.add(cell.h, cell.base + SEQ, 1)
  if (Atomics.load(cell.h, cell.base + WAITERS) > 0) Atomics.notify(cell.h, cell.base + SEQ)
}

/** The change count to wait on, read before a try. */
export const seq = (cell: Cell): number => Atomics.load(cell.h, cell.base + SEQ)

/** Finds `party`'s holder pair (or claims a free one); -1 when all 12 are taken. */
const holderOf = (cell: Cell, party: number): number => {
  const { base, h } = cell
  let free = -1
  for (let i = 0; i < HOLDER_PAIRS; i++) {
    const at = base + HOLDERS + 2 * i
    const who = Atomics.load(h, at)
    if (who === party) return at
    if (who === 0 && free < 0) free = at
  }
  for (let at = free; at >= 0 && at < base + CELL_WORDS; at += 2) {
    if (Atomics.compareExchange(h, at, 0, party) === 0) return at
  }
  return -1
}

/** Lowers a holder's count; the pair is freed by its own party when it reaches 0. */
const unhold = (h: Int32Array, at: number, party: number): void => {
  if (Atomics.sub(h, at + 1, 1) === 1 && Atomics.load(h, at) === party) Atomics.compareExchange(h, at, party, 0)
}

/** One try to take a lock or semaphore for `party`, without waiting. */
export const tryAcquire = (cell: Cell, party: number): boolean => {
  const { base, h } = cell
  switch (h[base + KIND]) {
    case KIND_LOCK:
      return Atomics.compareExchange(h, base + VALUE, 0, party) === 0
    case KIND_RLOCK: {
      if (Atomics.load(h, base + VALUE) === party) {
        h[base + DEPTH]++
        return true
      }
      if (Atomics.compareExchange(h, base + VALUE, 0, party) !== 0) return false
      h[base + DEPTH] = 1
      return true
    }
    default: {
      if (Atomics.load(h, base + VALUE) <= 0) return false
      const at = holderOf(cell, party)
      if (at >= 0) Atomics.add(h, at + 1, 1)
      for (;;) {
        const value = Atomics.load(h, base + VALUE)
        if (value <= 0) {
          if (at >= 0) unhold(h, at, party)
          return false
        }
        if (Atomics.compareExchange(h, base + VALUE, value, value - 1) === value) return true
      }
    }
  }
}

/** Why a release was refused. */
export type ReleaseRefused = "not-held" | "not-owner" | "over-release"

/** Releases for `party`: `undefined`, or why not. */
export const releaseFor = (cell: Cell, party: number): ReleaseRefused | undefined => {
  const { base, h } = cell
  switch (h[base + KIND]) {
    case KIND_LOCK: {
      // Any party may release a Lock (Python's rule).
      if (Atomics.exchange(h, base + VALUE, 0) === 0) return "not-held"
      break
    }
    case KIND_RLOCK: {
      if (Atomics.load(h, base + VALUE) !== party) return "not-owner"
      if (--h[base + DEPTH] > 0) return undefined
      Atomics.store(h, base + VALUE, 0)
      break
    }
    default: {
      if (h[base + KIND] === KIND_BOUNDED && Atomics.load(h, base + VALUE) >= h[base + INITIAL]) return "over-release"
      // The share given back is the releaser's own if it holds one, else
      // any holder's (a semaphore may be released by another party).
      let mine = -1
      let any = -1
      for (let i = 0; i < HOLDER_PAIRS; i++) {
        const at = base + HOLDERS + 2 * i
        if (Atomics.load(h, at + 1) <= 0) continue
        if (Atomics.load(h, at) === party) mine = at
        else if (any < 0) any = at
      }
      if (mine >= 0) unhold(h, mine, party)
      else if (any >= 0) {
        const count = Atomics.load(h, any + 1)
        if (count > 0) Atomics.compareExchange(h, any + 1, count, count - 1)
      }
      Atomics.add(h, base + VALUE, 1)
    }
  }
  bump(cell)
  return undefined
}

/** A semaphore's value (a lock's: 1 when free, else 0). */
export const valueOf = (cell: Cell): number => {
  const { base, h } = cell
  const kind = h[base + KIND]
  const value = Atomics.load(h, base + VALUE)
  return kind === KIND_LOCK || kind === KIND_RLOCK ? (value === 0 ? 1 : 0) : value
}

/** An event's flag. */
export const isSet = (cell: Cell): boolean => Atomics.load(cell.h, cell.base + VALUE) !== 0

/** Sets or clears an event's flag (setting wakes its waiters). */
export const setFlag = (cell: Cell, flag: boolean): void => {
  Atomics.store(cell.h, cell.base + VALUE, flag ? 1 : 0)
  if (flag) bump(cell)
}

type WaitAsync = (
  typedArray: Int32Array,
  index: number,
  value: number,
  timeout?: number
) => { async: false; value: "not-equal" | "timed-out" } | { async: true; value: Promise<"ok" | "timed-out"> }

/** `Atomics.waitAsync` (ES2024; in Node since 16), absent from the ES2022 lib this package compiles against. */
export const waitAsync = (Atomics as unknown as { readonly waitAsync?: WaitAsync }).waitAsync

/**
 * Waits until the cell changes from `seen` (`seq`), at most `ms`. Never
 * `Atomics.wait`: the thread's other fibers (the one that would release,
 * maybe) must go on. Interruptible.
 */
const waitChange = (cell: Cell, seen: number, ms: number | undefined): Effect.Effect<void> => {
  if (waitAsync === undefined) return Effect.sleep(ms === undefined ? 1 : Math.min(1, ms))
  return Effect.callback<void>((resume) => {
    const { base, h } = cell
    Atomics.add(h, base + WAITERS, 1)
    const result = waitAsync(h, base + SEQ, seen, ms)
    if (!result.async) {
      Atomics.sub(h, base + WAITERS, 1)
      return resume(Effect.void)
    }
    let done = false
    void result.value.then(() => {
      if (done) return
      done = true
      Atomics.sub(h, base + WAITERS, 1)
      resume(Effect.void)
    })
    return Effect.sync(() => {
      if (done) return
      done = true
      Atomics.sub(h, base + WAITERS, 1)
    })
  })
}

/**
 * Waits until `ready` (a try, run after every change) holds: `true`, or
 * `false` when `timeoutMs` passed first (`block: false`: one try). Only the
 * waits run under `restore`: run uninterruptibly, an interruption never
 * lands between a successful try and its caller.
 */
export const waitFor = (
  cell: Cell,
  ready: () => boolean,
  block: boolean,
  timeoutMs: number | undefined,
  restore: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> = (effect) => effect
): Effect.Effect<boolean> =>
  Effect.suspend(() => {
    let seen = seq(cell)
    if (ready()) return Effect.succeed(true)
    if (!block || timeoutMs === 0) return Effect.succeed(false)
    const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs
    const loop: Effect.Effect<boolean> = Effect.suspend(() => {
      const left = deadline === undefined ? undefined : deadline - Date.now()
      if (left !== undefined && left <= 0) return Effect.succeed(false)
      return Effect.flatMap(restore(waitChange(cell, seen, left)), () => {
        seen = seq(cell)
        return ready() ? Effect.succeed(true) : loop
      })
    })
    return loop
  })

/** A semaphore's initial value (a `BoundedSemaphore`'s bound). */
export const initialOf = (cell: Cell): number => cell.h[cell.base + INITIAL]
