// The ESM entry's API where it is imported without a document (a framework's server
// render, Deno, a worker): the same methods with nothing behind them, so that importing the package and
// calling it there is harmless. `scripts/build-web.sh` puts the loader's version in.
const __gp_server = (() => {
  const none = () => {};
  return {
    version: "__GP_VERSION__",
    load: none,
    init: none,
    identify: none,
    track: none,
    page: none,
    start: none,
    end: none,
    reset: none,
    preview: none,
    on: () => none,
    debug: () => Promise.resolve([]),
    validate: () => Promise.resolve(null),
    pick: () => Promise.resolve(null),
  };
})();
