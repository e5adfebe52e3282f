/**
 * `@corun/node`: the Node.js platform layer of corun.
 *
 * @since 0.1.0
 */

/**
 * Facts about the machine the program runs on (core count).
 *
 * @since 0.1.0
 */
export * as Platform from "./Platform.ts"

/**
 * The multi-core worker pool: the `Pool` service of `@corun/core` on worker
 * threads or child processes (Python's `multiprocessing.Pool`).
 *
 * @since 0.1.0
 */
export * as NodePool from "./NodePool.ts"

/**
 * Python's `concurrent.futures.ProcessPoolExecutor` in one step
 * (`ProcessPoolExecutor.make({ tasks, maxWorkers })`): an executor that owns
 * its `NodePool` (child processes by default), shut down and then terminated
 * when its scope closes (`with ProcessPoolExecutor(max_workers=2) as executor:`).
 *
 * @since 0.1.0
 */
export * as ProcessPoolExecutor from "./ProcessPoolExecutor.ts"

/**
 * Python's `multiprocessing.Process`: one task in a child process (or a
 * worker thread) of its own, with `start`, `join`, `isAlive`, `pid`,
 * `exitCode`, `terminate`, `kill`, `close`, and `Process.current` in the
 * child.
 *
 * @since 0.1.0
 */
export * as Process from "./Process.ts"

/**
 * Python's `multiprocessing.Queue`: a FIFO queue the program shares with
 * the processes it starts (`put`, `get`, timeouts, `qsize`, `close`).
 *
 * @since 0.1.0
 */
export * as ProcessQueue from "./ProcessQueue.ts"

/**
 * Python's `subprocess`: `run` (captured output, `input`, `timeout`,
 * `check`), `call`, `checkCall`, `checkOutput`, and `spawn` (`Popen`, with
 * `communicate`, `wait`, `poll`, `terminate`, `kill`), on Effect's
 * `ChildProcessSpawner`; a timeout kills the process and its children.
 *
 * @since 0.1.0
 */
export * as Subprocess from "./Subprocess.ts"

/**
 * Python's `multiprocessing.Pipe`: two connected ends (`send`, `recv`,
 * `poll`, `close`, `EOFError`), one passed to a process the program starts.
 *
 * @since 0.1.0
 */
export * as Pipe from "./Pipe.ts"

/**
 * Python's `multiprocessing.Lock`, `RLock`, `Semaphore`, `BoundedSemaphore`
 * and `Event`, shared with the processes the program starts; a process that
 * dies holding a lock releases it.
 *
 * @since 0.1.0
 */
export * as ProcessSync from "./ProcessSync.ts"

/**
 * Python's `multiprocessing.Manager()`: shared `dict`, `list`, `Namespace`
 * and `Value` objects updated through proxies by the program and the
 * processes it starts, plus the manager's `Lock` and `Queue`.
 *
 * @since 0.1.0
 */
export * as Manager from "./Manager.ts"

/**
 * Python's `multiprocessing.Value` and `multiprocessing.Array`: numbers in
 * a `SharedArrayBuffer` shared with worker threads, each with a lock in the
 * same memory (`get`, `set`, `getLock().withLock(…)`).
 *
 * @since 0.1.0
 */
export * as SharedMemory from "./SharedMemory.ts"

/**
 * A `Progress` (`@corun/core`) rendered: a bar redrawn in place on a
 * terminal, a log line now and then elsewhere (what `tqdm` does around
 * Python's `imap`).
 *
 * @since 0.1.0
 */
export * as ProgressBar from "./ProgressBar.ts"
