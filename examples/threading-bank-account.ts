/**
 * Port of the bank-account program of the Russian tutorial “Процессы и
 * потоки”: 100 threads each deposit 1 yuan into one account; `deposit`
 * computes the new balance, sleeps 0.01 s ("processing the deposit"), then
 * stores it. Without a lock most deposits are lost; with `threading.Lock`
 * the balance is 100.
 *
 * ```python
 * class Account(object):
 *     def __init__(self):
 *         self._balance = 0
 *         self._lock = Lock()
 *     def deposit(self, money):
 *         self._lock.acquire()          # (not in the unlocked version)
 *         try:
 *             new_balance = self._balance + money
 *             sleep(0.01)
 *             self._balance = new_balance
 *         finally:
 *             self._lock.release()
 * class AddMoneyThread(Thread):
 *     def run(self):
 *         self._account.deposit(self._money)
 * def main():
 *     account = Account()
 *     threads = []
 *     for _ in range(100):
 *         t = AddMoneyThread(account, 1)
 *         threads.append(t)
 *         t.start()
 *     for t in threads:
 *         t.join()
 *     print('账户余额为: ￥%d元' % account.balance)
 * ```
 *
 * Times: unchanged (0.01 s per deposit; the locked run takes about 1 s).
 *
 * Run: `pnpm tsx examples/threading-bank-account.ts`
 */
import { Lock } from "@corun/core"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { Effect } from "effect"
import { checkAloud } from "./support/report.ts"

const DEPOSITORS = 100

class Account {
  balance = 0
  readonly lock: Lock.Lock | undefined
  constructor(lock: Lock.Lock | undefined) {
    this.lock = lock
  }
  deposit(money: number): Effect.Effect<void> {
    const body = Effect.gen({ self: this }, function*() {
      const newBalance = this.balance + money
      yield* Effect.sleep("10 millis") // processing the deposit takes 0.01 s
      this.balance = newBalance
    })
    return this.lock === undefined ? body : this.lock.withLock(body)
  }
}

const run = (account: Account) =>
  Effect.gen(function*() {
    // 100 "threads", each depositing 1; wait for all of them (t.join()).
    yield* Effect.all(Array.from({ length: DEPOSITORS }, () => account.deposit(1)), {
      concurrency: "unbounded",
      discard: true
    })
    console.log(`账户余额为: ￥${account.balance}元 (account balance: ${account.balance} yuan)`)
    return account.balance
  })

const program = Effect.gen(function*() {
  console.log("--- without a lock ---")
  const unlocked = yield* run(new Account(undefined))
  console.log("--- with Lock ---")
  const start = Date.now()
  const locked = yield* run(new Account(yield* Lock.make()))
  console.log(`(the locked deposits ran one after the other: ${Date.now() - start} ms)`)
  yield* checkAloud(unlocked < DEPOSITORS, `without a lock deposits were lost (balance ${unlocked} < ${DEPOSITORS})`)
  yield* checkAloud(locked === DEPOSITORS, `with a lock the balance is exactly ${DEPOSITORS}`)
})

NodeRuntime.runMain(program)
