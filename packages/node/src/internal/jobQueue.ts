/**
 * The pool-level job queue: jobs waiting for a worker, in submission order,
 * with the jobs given back (stolen back from a worker, or requeued after
 * their worker died) at its front. A job cancelled while it waits stays in
 * the array and is skipped when reached (`forget` only fixes the count):
 * cancelling is O(1), and the array is compacted as its head advances.
 *
 * @internal
 */
import type { Job } from "./job.ts"

export class JobQueue {
  private items: Array<Job | undefined> = []
  private head = 0
  /** How many jobs wait (in state `"queued"`). */
  size = 0

  /** Adds a job at the back. */
  push(job: Job): void {
    this.items.push(job)
    this.size++
  }

  /** Puts one job back at the front (it goes next). */
  pushFront(job: Job): void {
    if (this.head > 0) this.items[--this.head] = job
    else this.items.unshift(job)
    this.size++
  }

  /** Puts jobs back at the front, in their order. */
  pushAllFront(jobs: ReadonlyArray<Job>): void {
    this.items = [...jobs, ...this.items.slice(this.head)]
    this.head = 0
    this.size += jobs.length
  }

  /** Takes the next waiting job, skipping those that ended while they waited. */
  shift(): Job | undefined {
    const items = this.items
    while (this.head < items.length) {
      const job = items[this.head]
      items[this.head++] = undefined
      if (job !== undefined && job.state === "queued") {
        this.size--
        if (this.head > 1024 && this.head * 2 > items.length) {
          this.items = items.slice(this.head)
          this.head = 0
        }
        return job
      }
    }
    this.items = []
    this.head = 0
    return undefined
  }

  /** A waiting job ended (it was cancelled): it no longer counts, and is skipped when reached. */
  forget(): void {
    this.size--
  }

  /**
   * Takes every waiting job out, in order, emptying the queue. They still
   * count in `size` until the caller ends each (`finish` calls `forget`).
   */
  drain(): Array<Job> {
    const jobs: Array<Job> = []
    for (let i = this.head; i < this.items.length; i++) {
      const job = this.items[i]
      if (job !== undefined && job.state === "queued") jobs.push(job)
    }
    this.items = []
    this.head = 0
    return jobs
  }
}
