/**
 * Serialises async work per name within this process. LevelDB has no compare-and-set, so "read, check, write"
 * (e.g. refusing a session id seen before) is only atomic if no other call for the same name runs in between.
 * Across processes LevelDB's own LOCK file keeps a second node off the directory.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` after every earlier call with the same `name` has settled; resolves or rejects as `fn` does. */
  run<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const before = this.tails.get(name) ?? Promise.resolve();
    const result = before.then(fn, fn);
    // The chain must not reject, or every later call for the name would skip straight to its error handler.
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(name, tail);
    // Forget idle names so the map does not grow with every key ever touched.
    void tail.then(() => {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    });
    return result;
  }
}
