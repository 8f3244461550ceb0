/**
 * `Promise.withResolvers` for Node 20.
 *
 * Every libp2p major resolved today calls `Promise.withResolvers`, which Node ships only from 22 on. Import
 * this module first (`import './polyfill.js'` before anything that loads libp2p) in every entry point:
 * ES modules run their imports in order, so a later import sees the polyfill. It does nothing where the
 * runtime already has the method.
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
