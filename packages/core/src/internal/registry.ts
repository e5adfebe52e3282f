/**
 * The live tasks of an executor: an intrusive doubly-linked list threaded
 * through the futures themselves (their `registryPrev` / `registryNext`
 * fields), in submission order. An element is in one registry at most.
 *
 * Why not a `Set`: a task enters and leaves the registry once each, and a
 * `Set` of a million futures costs a hash-table entry per task and its
 * rehashing as it grows, which showed in the profiles of `submit`. The links
 * cost two fields per future and no allocation.
 *
 * @internal
 */

/** What the registry needs of an element: the two links (`undefined` when out). */
export interface Linked {
  registryPrev: Linked | undefined
  registryNext: Linked | undefined
}

/** A registry of live tasks: `add`, `delete`, `size` and iteration, as the `Set` it replaces. */
export class Registry<A extends object> {
  private head: Linked | undefined = undefined
  private tail: Linked | undefined = undefined
  /** How many elements are in the registry. */
  size = 0

  add(element: A): void {
    const node = element as unknown as Linked
    node.registryPrev = this.tail
    node.registryNext = undefined
    if (this.tail === undefined) this.head = node
    else this.tail.registryNext = node
    this.tail = node
    this.size++
  }

  /** Removes `element`; `false` when it was not in the registry. */
  delete(element: A): boolean {
    const node = element as unknown as Linked
    const prev = node.registryPrev
    const next = node.registryNext
    if (prev === undefined ? this.head !== node : prev.registryNext !== node) return false
    if (prev === undefined) this.head = next
    else prev.registryNext = next
    if (next === undefined) this.tail = prev
    else next.registryPrev = prev
    node.registryPrev = undefined
    node.registryNext = undefined
    this.size--
    return true
  }

  /**
   * The elements, in the order they were added: a snapshot, so the caller
   * may cancel them (which can remove them) while going through it.
   */
  [Symbol.iterator](): Iterator<A> {
    return this.toArray()[Symbol.iterator]()
  }

  /** The elements, in the order they were added, as a new array. */
  toArray(): Array<A> {
    const elements: Array<A> = new Array(this.size)
    let i = 0
    for (let node = this.head; node !== undefined; node = node.registryNext) {
      elements[i++] = node as unknown as A
    }
    return elements
  }
}
