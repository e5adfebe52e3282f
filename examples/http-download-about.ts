/**
 * Port, as a small HTTP server, of the tkinter program of the Russian
 * tutorial “Процессы и потоки” ("Приложения": a window with a "Download" and
 * an "About" button; the download takes 10 s and, done on the GUI's own
 * thread, freezes the window, so "About" does not respond until it is over):
 *
 * ```python
 * import time
 * import tkinter
 * import tkinter.messagebox
 * def download():
 *     # simulate a download that takes 10 seconds
 *     time.sleep(10)
 *     tkinter.messagebox.showinfo('提示', '下载完成!')       # "Tip", "Download complete!"
 * def show_about():
 *     tkinter.messagebox.showinfo('关于', '作者: 骆昊(v1.0)')  # "About", "Author: Luo Hao (v1.0)"
 * def main():
 *     top = tkinter.Tk()
 *     top.title('单线程')                                     # "Single thread"
 *     ...
 *     button1 = tkinter.Button(panel, text='下载', command=download)
 *     button2 = tkinter.Button(panel, text='关于', command=show_about)
 *     ...
 *     tkinter.mainloop()
 * ```
 *
 * The tutorial's fix runs the download elsewhere (a daemon thread:
 * `DownloadTaskHandler(daemon=True).start()`), and the window stays
 * responsive. (`ui-download-blocking.ts` and `threads-ui-download-daemon.ts`
 * port both with a simulated window.)
 *
 * Here the window is an HTTP server (Effect's `HttpServer` and `HttpRouter`
 * on `NodeHttpServer`, on 127.0.0.1 and a free port, in this process, closed
 * with its scope): the buttons are `/download` and `/about`, and Node's event
 * loop plays Tk's main loop — one thread that runs every handler. The
 * download is CPU-bound work (a busy loop of 1 s, `tasks/download.ts`),
 * which holds its thread as `time.sleep(10)` holds tkinter's. It runs twice:
 *
 * - on corun's worker pool (`pool.apply(download, …)`: the fix): the
 *   handler waits for the worker without holding the event loop, and
 *   `/about` answers at once;
 * - on the event loop, in the handler itself (the tkinter mistake): nothing
 *   else runs until the loop is over, so `/about` answers only after the
 *   download. The client sends `/about` as the download starts, but its
 *   request waits until the loop is over: the client shares the event loop
 *   with the server (frozen too, it cannot even finish connecting), and the
 *   server would not read it before anyway.
 *
 * Each time, the client sends `/download`, waits until the server says the
 * download has started (a `Deferred` the handler completes just before the
 * work), then sends `/about`, and records which response came first and
 * when `/about` answered (ms after the download started).
 *
 * Expected output (times vary):
 *
 * ```
 * With the pool (the download on a worker):
 *   client: GET /download
 *   [   0 ms] server: download started
 *   [   1 ms] client: GET /about
 *   [  33 ms] client: About: Author: Luo Hao (v1.0)   (round trip 32 ms)
 *   [1011 ms] client: Download complete! (17603k blocks)
 * On the event loop (the download in the handler: the tkinter mistake):
 *   client: GET /download
 *   [   0 ms] server: download started
 *   [   0 ms] client: GET /about
 *   [1004 ms] client: Download complete! (19654k blocks)
 *   [1005 ms] client: About: Author: Luo Hao (v1.0)   (round trip 1005 ms)
 * /about answered 33 ms after the download started with the pool, 1005 ms on the event loop
 * ```
 *
 * Checks, on the order of the responses, not on the clock: with the pool,
 * `/about` completed before `/download`; on the event loop, after it. The
 * times are printed, not checked.
 *
 * Run: `pnpm tsx examples/http-download-about.ts`
 */
import { Pool } from "@corun/core"
import { NodePool } from "@corun/node"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Context, Deferred, Effect, Fiber, Layer } from "effect"
import { FetchHttpClient, HttpClient, HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"
import { check, print } from "./support/report.ts"
import { busyDownload, download } from "./tasks/download.ts"

/** How long the download keeps its thread busy, in ms (the tutorial's 10 s). */
const DOWNLOAD_MS = 1000
const ABOUT = "About: Author: Luo Hao (v1.0)"

type Path = "/download" | "/about"

/**
 * Serves `/about` and `/download` (which runs `work`, returning how many
 * blocks it "downloaded") on a free port until the scope closes; the client
 * clicks "Download", then "About" once the download has started. Returns
 * which response completed first and when `/about` answered.
 */
const clickDownloadThenAbout = (title: string, work: Effect.Effect<number>) =>
  Effect.scoped(Effect.gen(function*() {
    yield* print(title)
    // Completed by the `/download` handler, with the time, just before the work.
    const started = yield* Deferred.make<number>()
    const routes = Layer.mergeAll(
      HttpRouter.add("GET", "/about", HttpServerResponse.text(ABOUT)),
      HttpRouter.add(
        "GET",
        "/download",
        Effect.gen(function*() {
          yield* Deferred.succeed(started, performance.now())
          const blocks = yield* work
          return HttpServerResponse.text(`Download complete! (${blocks}k blocks)`)
        })
      )
    )
    const server = Context.get(
      yield* Layer.build(
        HttpRouter.serve(routes, { disableListenLog: true, disableLogger: true }).pipe(
          Layer.provideMerge(NodeHttpServer.layer(createServer, { host: "127.0.0.1", port: 0 }))
        )
      ),
      HttpServer.HttpServer
    )
    const url = HttpServer.formatAddress(server.address)

    const client = yield* HttpClient.HttpClient
    const get = (path: Path) => client.get(url + path).pipe(Effect.flatMap((response) => response.text), Effect.orDie)
    const completed: Array<Path> = []
    let startedAt = 0
    const at = (line: string) =>
      Effect.suspend(() => print(`  [${(performance.now() - startedAt).toFixed(0).padStart(4)} ms] ${line}`))

    yield* print("  client: GET /download")
    const downloading = yield* Effect.forkChild(Effect.gen(function*() {
      const body = yield* get("/download")
      completed.push("/download")
      yield* at(`client: ${body}`)
    }))
    startedAt = yield* Deferred.await(started)
    yield* at("server: download started")
    yield* at("client: GET /about")
    const sent = performance.now()
    const about = yield* get("/about")
    const answered = performance.now()
    completed.push("/about")
    yield* at(`client: ${about}   (round trip ${(answered - sent).toFixed(0)} ms)`)
    yield* Fiber.join(downloading)
    return { first: completed[0], aboutAfterStart: answered - startedAt }
  }))

const program = Effect.gen(function*() {
  const pool = yield* Pool.Pool
  yield* pool.awaitReady // the worker's start-up is not part of the download

  const pooled = yield* clickDownloadThenAbout(
    "With the pool (the download on a worker):",
    Effect.orDie(pool.apply(download, DOWNLOAD_MS))
  )
  const frozen = yield* clickDownloadThenAbout(
    "On the event loop (the download in the handler: the tkinter mistake):",
    Effect.sync(() => busyDownload(DOWNLOAD_MS))
  )
  yield* print(
    `/about answered ${pooled.aboutAfterStart.toFixed(0)} ms after the download started with the pool, ${
      frozen.aboutAfterStart.toFixed(0)
    } ms on the event loop`
  )
  yield* check(
    pooled.first === "/about",
    `with the download on the pool, /about should complete before /download, but ${pooled.first} completed first`
  )
  yield* check(
    frozen.first === "/download",
    `with the download on the event loop, /about should complete after /download, but ${frozen.first} completed first`
  )
})

NodeRuntime.runMain(
  program.pipe(
    Effect.provide(Layer.mergeAll(
      NodePool.layer({ tasks: new URL("./tasks/download.ts", import.meta.url), size: 1 }),
      FetchHttpClient.layer
    ))
  )
)
