/**
 * `Promise.withResolvers` for Node 20 (end of life, still supported): every libp2p major resolved today calls
 * it, and Node ships it only from 22 on. It does nothing where the runtime has the method.
 *
 * The one place it loads: first thing in the CLI's entry (cli/index.ts: ES modules run their imports in
 * order, so everything after it sees the method), and as a preload (`node --import tsx --import
 * ./src/runtime/polyfill.ts`) in the test and bench scripts of package.json. No other module imports it; when
 * Node 20 support ends, delete this file and those two mentions.
 */
if (typeof Promise.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    // A method like the built-in one: `this` is the constructor, so subclasses of Promise work too.
    value: function withResolvers<T>(this: PromiseConstructor): PromiseWithResolvers<T> {
      let resolve!: (value: T | PromiseLike<T>) => void;
      let reject!: (reason?: unknown) => void;
      const promise = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

export {};
