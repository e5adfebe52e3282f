import { Timeline } from "@corun/core"
import { NodePool } from "@corun/node"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { chromium } from "playwright-core"
import * as T from "./fixtures/tasks.ts"
import { tasks } from "./helpers.ts"

const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium"

describe("Timeline", () => {
  it.live(
    "a pool's run and a fiber's work as a page: lanes, bars by outcome, a screenshot in a real browser",
    () =>
      Effect.gen(function*() {
        const dir = mkdtempSync(join(tmpdir(), "corun-timeline-"))
        yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
        const timeline = yield* Timeline.make()
        const pool = yield* NodePool.make({ tasks, size: 2, timeline })
        yield* pool.awaitReady
        const inputs = [4, 9, -1, 16, 25, -4, 36, 49, 64, 81]
        yield* Effect.forEach(inputs, (n) => Effect.exit(pool.apply(T.sqrt, n)), { concurrency: "unbounded" })
        yield* Timeline.span(timeline, "fibers: fetch", "https://example.com")(Effect.sleep(20))
        const entries = timeline.entries
        assert.strictEqual(entries.filter((entry) => entry.lane.startsWith("worker ")).length, 10)
        assert.strictEqual(entries.filter((entry) => entry.outcome === "failure").length, 2)

        const page = join(dir, "timeline.html")
        writeFileSync(page, Timeline.toHtml(timeline, { title: "a test run" }))
        const screenshot = join(dir, "timeline.png")
        const seen = yield* Effect.acquireUseRelease(
          Effect.promise(() => chromium.launch({ executablePath: chromiumPath, args: ["--no-sandbox"] })),
          (browser) =>
            Effect.promise(async () => {
              const tab = await browser.newPage()
              await tab.goto(pathToFileURL(page).href)
              const lanes = await tab.locator("g.lane").evaluateAll((nodes) =>
                nodes.map((node) => node.getAttribute("data-lane"))
              )
              const bars = await tab.locator("rect.bar").count()
              const failures = await tab.locator("rect.bar[data-outcome=\"failure\"]").count()
              const hover = await tab.locator("g.lane[data-lane^=\"worker\"] rect.bar title").first().textContent()
              const box = await tab.locator("svg").boundingBox()
              await tab.screenshot({ path: screenshot, fullPage: true })
              return { lanes, bars, failures, hover, width: box?.width ?? 0, title: await tab.title() }
            }),
          (browser) => Effect.promise(() => browser.close())
        )
        const workerLanes = seen.lanes.filter((lane) => lane?.startsWith("worker "))
        assert.strictEqual(workerLanes.length, 2)
        assert.include(seen.lanes, "fibers: fetch")
        assert.strictEqual(seen.bars, 11)
        assert.strictEqual(seen.failures, 2)
        assert.match(seen.hover ?? "", /sqrt — (success|failure), [\d.]+ ms at work/)
        assert.isAbove(seen.width, 500)
        assert.strictEqual(seen.title, "a test run")
        assert.isTrue(existsSync(screenshot) && statSync(screenshot).size > 2000)
      }).pipe(Effect.scoped),
    120_000
  )
})
