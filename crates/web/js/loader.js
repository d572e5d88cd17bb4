/* Guidepost loader: appended to wasm-bindgen's no-modules output by scripts/build-web.sh.
 * It turns the queued stub (crates/web/js/stub.js) into the real API, loads the decision
 * module's wasm next to this script, replays queued calls in order, and makes sure nothing
 * ever throws into the host page: every call is wrapped, a failed load or an engine panic
 * is reported through on('error') once, and from then on every call is a cheap no-op.
 * Two more modules sit next to it and load on demand (ES modules, `import()`):
 *   guidepost-overlay.js  the overlay, when a guide is about to show (see crates/overlay);
 *   guidepost-author.js   validate, debug and pick (see crates/author). */
(function () {
  var w = window;
  var g = (w.Guidepost = w.Guidepost || {});
  if (g.__loaded) return;
  g.__loaded = true;
  var script = document.currentScript;
  var base = (script && script.src) || document.baseURI || location.href;
  // The ESM entry (dist/guidepost.mjs) names the files next to itself in `__gp_urls`, in the
  // form bundlers recognise as assets: `new URL("guidepost_bg.wasm", import.meta.url)`. It is
  // empty in a bundle without `import.meta` (an IIFE): the files are then next to the script.
  var urls = typeof __gp_urls === "object" ? __gp_urls : {};
  function sibling(name) {
    return urls[name] || base.replace(/[^\/?#]*([?#].*)?$/, name);
  }
  var wasmUrl = sibling("guidepost_bg.wasm");
  var queue = g.__queue || [];
  // A designer token the stub took out of the address before the app's router saw it.
  var designToken = g.__design;
  g.__design = null;
  var handlers = {};
  var engine = null;
  var whenEngine = null;
  // Set when the engine can never run on this page view (load failure or panic).
  var dead = false;
  // `ready` is sticky: a handler added after it fired is called at once.
  var readyPayload = null;
  var guidesPending = false;
  var guideCount = 0;

  function emit(name, payload) {
    if (name === "guides_loaded") {
      guideCount = payload;
      guidesPending = false;
      maybeReady();
    }
    var list = (handlers[name] || []).slice().concat(name === "*" ? [] : (handlers["*"] || []).slice());
    for (var i = 0; i < list.length; i++) {
      try {
        list[i](payload, name);
      } catch (e) {
        if (w.console) console.error("[guidepost] an on('" + name + "') handler threw", e);
      }
    }
  }
  function fail(source, e) {
    var message = (e && e.message) || String(e);
    if (w.console) console.warn("[guidepost] " + source + ": " + message);
    emit("error", { message: message, source: source });
  }
  // The engine cannot run any more: report once, settle every pending promise, remove the
  // overlay, and turn every later call into a no-op.
  function die(source, message) {
    if (dead) return;
    dead = true;
    // The modules that still run stop answering the page (each has its own `alive`).
    var kills = [engine && engine.kill, overlay && overlay.ov_kill, author && author.au_kill];
    for (var ki = 0; ki < kills.length; ki++) {
      try {
        if (kills[ki]) kills[ki]();
      } catch (_) {}
    }
    engine = null;
    var pending = queue.splice(0, queue.length);
    for (var i = 0; i < pending.length; i++) if (pending[i][2]) pending[i][2](null);
    // Author calls waiting for the engine answer their `none`.
    if (whenEngine) whenEngine();
    try {
      var roots = document.querySelectorAll("guidepost-root");
      for (var j = 0; j < roots.length; j++) roots[j].remove();
    } catch (_) {}
    fail(source, message);
  }
  function maybeReady() {
    if (readyPayload || !engine || guidesPending) return;
    readyPayload = { version: api.version, guides: guideCount };
    emit("ready", readyPayload);
  }
  function call(name, args) {
    if (dead) return undefined;
    if (!engine) {
      queue.push([name, args]);
      return undefined;
    }
    try {
      var r = engine[name].apply(null, args);
      // init answers true while it fetches guides from a URL: `ready` waits for them.
      if (name === "init" && r === true) guidesPending = true;
      return r;
    } catch (e) {
      // A panic already reported itself through die(); anything else is reported here.
      if (!dead) fail(name, e);
      return undefined;
    }
  }
  function method(name) {
    return function () {
      return call(name, Array.prototype.slice.call(arguments));
    };
  }
  // The in-app designer (see crates/collector/src/design.rs): a one-time token in the
  // fragment is exchanged for a designer session, kept in sessionStorage so the session
  // survives navigation and reloads in this tab; only then is the designer's module loaded,
  // from the collector's session-gated route. End users never download it.
  var DESIGN_KEY = "guidepost-design-session";
  // The token's place in the fragment: `#guidepost-design=T`, or after the app's own route
  // (`#/users?guidepost-design=T`, `#/users&guidepost-design=T`), as the collector appends it.
  // The token, taken out of the address (the stub does this before the app's scripts run;
  // here for pages without the stub, the ESM entry's), leaving the app's route as it was.
  function takeToken() {
    var t = designToken;
    designToken = null;
    if (t) return t;
    var rest = location.hash
      .replace(/([#?&])guidepost-design=(\w+)&?/, function (_, sep, token) {
        t = token;
        return sep;
      })
      .replace(/[?#&]$/, "");
    if (t) {
      try {
        history.replaceState(history.state, "", location.href.split("#")[0] + rest);
      } catch (_) {}
    }
    return t;
  }
  function loadDesigner(endpoint, session, guide) {
    var base = endpoint + "/v1/design/assets/";
    var q = "?session=" + encodeURIComponent(session);
    return import(/* webpackIgnore: true */ /* @vite-ignore */ base + "studio.js" + q).then(function (mod) {
      return mod.default({ module_or_path: base + "studio_bg.wasm" + q }).then(function () {
        mod.designer_main(endpoint || location.origin, session, guide);
      });
    });
  }
  // In designer mode the page belongs to an author: no guide starts by itself and nothing
  // is recorded (the designer previews steps on demand). Known at once: a token in the
  // fragment, or a session saved by an earlier page view of this tab.
  function designing() {
    try {
      return !!designToken || /([#?&])guidepost-design=/.test(location.hash) || !!(w.sessionStorage && w.sessionStorage.getItem(DESIGN_KEY));
    } catch (_) {
      return false;
    }
  }
  function authorOptions(options) {
    if (!designing() || !options || typeof options !== "object") return options;
    var o = {};
    for (var key in options) if (key !== "endpoint" && key !== "writeKey") o[key] = options[key];
    o.guides = [];
    return o;
  }
  function design(options) {
    var endpoint = String((options && options.endpoint) || "").replace(/\/+$/, "");
    var ss = null;
    var saved = null;
    try {
      ss = w.sessionStorage;
      saved = ss && JSON.parse(ss.getItem(DESIGN_KEY) || "null");
    } catch (_) {}
    var token = takeToken();
    var failed = function (e) {
      fail("designer", e);
    };
    var resume = function () {
      return fetch(saved.endpoint + "/v1/design/session", { headers: { authorization: "Bearer " + saved.session } }).then(function (r) {
        if (!r.ok) {
          ss.removeItem(DESIGN_KEY);
          return;
        }
        return loadDesigner(saved.endpoint, saved.session, saved.guide);
      });
    };
    var hasSaved = !!(saved && saved.session);
    if (token) {
      fetch(endpoint + "/v1/design/session", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token: token }) })
        .then(function (r) {
          return r.json().then(function (b) {
            // A token used already (the page reloaded before it left the address): the
            // tab's session, if it has one, goes on.
            if (!r.ok && hasSaved) return resume();
            if (!r.ok) throw new Error("designer token refused: " + (b.error || r.status));
            if (ss) ss.setItem(DESIGN_KEY, JSON.stringify({ endpoint: endpoint, session: b.session, guide: b.guide_id }));
            return loadDesigner(endpoint, b.session, b.guide_id);
          });
        })
        .catch(failed);
      return;
    }
    if (hasSaved) resume().catch(failed);
  }

  // Compiles a wasm module while it downloads, off the main thread, before its glue asks
  // for it: a promise of the compiled module, or of the response itself when it is not
  // `application/wasm` or not ok (the glue then instantiates it from bytes, or reports it),
  // so the file is downloaded once either way.
  function compile(url) {
    return fetch(url).then(function (r) {
      var W = WebAssembly;
      return r.ok && W.compileStreaming && /^application\/wasm/.test(r.headers.get("content-type") || "") ? W.compileStreaming(r) : r;
    });
  }
  // A module loaded on demand: `load()` answers a promise of its exports, booted. A failed
  // load is reported through on('error') and forgotten, so the next call tries again (a
  // query string tells the retry apart: browsers remember a failed import by its URL).
  function lazy(name, boot) {
    var loading = null;
    var attempts = 0;
    return function load() {
      if (dead) return Promise.reject(new Error("the engine is off"));
      if (loading) return loading;
      var js = sibling("guidepost-" + name + ".js");
      var n = attempts++;
      // The wasm is fetched and compiled beside the glue, not after it; a failure surfaces
      // through the glue's init.
      var wasm = compile(sibling("guidepost-" + name + "_bg.wasm"));
      wasm.catch(function () {});
      // The URL is known only here: bundlers must leave this `import()` to the browser
      // (webpack would look the URL up among its own modules and fail).
      loading = import(/* webpackIgnore: true */ /* @vite-ignore */ n ? js + (js.indexOf("?") < 0 ? "?" : "&") + "retry=" + n : js)
        .then(function (m) {
          return m.default({ module_or_path: wasm }).then(function () {
            if (dead) throw new Error("the engine is off");
            boot(m);
            return m;
          });
        })
        .catch(function (e) {
          loading = null;
          var err = new Error("could not load the " + name + " module from " + js + " (" + ((e && e.message) || e) + ")");
          if (!dead) fail(name, err);
          throw err;
        });
      return loading;
    };
  }
  function onPanic(message) {
    die("panic", new Error("the engine stopped after an internal error and is off for this page view: " + message));
  }

  // The overlay module, driven by the decision module through `ui(op, ...)`. The last
  // `show` waits here while the module loads, and is shown once it has; a failed load is
  // retried after 1 s and 4 s while that step still waits, and then the decision module is
  // told the overlay is unavailable (it drops the step unrecorded). The first step on
  // screen is announced to it too: it holds the guide's records back until then.
  var overlay = null;
  var author = null;
  var waiting = null;
  var retries = 0;
  // A load (with its retries) is under way for a waiting step.
  var cycle = false;
  var announced = false;
  var loadOverlay = lazy("overlay", function (m) {
    m.ov_boot(function (event) {
      call("ui", [event]);
    }, onPanic);
    overlay = m;
  });
  function showNow(args) {
    try {
      var problem = overlay.ov_show(args[0], args[1], args[2], args[3]);
      if (problem) return fail("overlay", new Error(problem));
    } catch (e) {
      if (!dead) fail("overlay", e);
      return;
    }
    if (!announced) {
      announced = true;
      call("ui", ['{"type":"shown"}']);
    }
  }
  function fetchOverlay() {
    loadOverlay().then(
      function () {
        cycle = false;
        var args = waiting;
        waiting = null;
        if (args && !dead) showNow(args);
      },
      function () {
        if (!waiting || dead) {
          cycle = false;
        } else if (retries < 2) {
          setTimeout(fetchOverlay, retries++ ? 4000 : 1000);
        } else {
          cycle = false;
          waiting = null;
          call("ui", ['{"type":"unavailable"}']);
        }
      }
    );
  }
  function ui(op, a, b, c, d) {
    if (dead) return;
    if (op === "show") {
      if (overlay) return showNow([a, b, c, d]);
      waiting = [a, b, c, d];
      if (cycle) return;
      cycle = true;
      retries = 0;
      return fetchOverlay();
    }
    if (op === "hide") {
      waiting = null;
      if (overlay) {
        try {
          overlay.ov_hide(!!a);
        } catch (e) {
          if (!dead) fail("overlay", e);
        }
      }
      return;
    }
    if (op === "prefetch" && !overlay) loadOverlay().catch(function () {});
  }

  // The author module: full validation, traces and the picker. Its calls answer promises.
  var loadAuthor = lazy("author", function (m) {
    m.au_boot(onPanic);
    author = m;
  });
  var engineReady = new Promise(function (resolve) {
    whenEngine = resolve;
  });
  function authoring(name, none, run) {
    return function () {
      var args = Array.prototype.slice.call(arguments);
      if (dead) return Promise.resolve(none);
      return Promise.all([loadAuthor(), engineReady])
        .then(function (r) {
          if (dead) return none;
          var out = run(r[0], args);
          if (typeof out === "string") throw new Error(out);
          return out === undefined || out === null ? none : out;
        })
        .catch(function (e) {
          // A failed load already reported itself.
          if (!dead && !/could not load the author module/.test(String(e && e.message))) fail(name, e);
          return none;
        });
    };
  }

  var api = {
    __loaded: true,
    init: function (options) {
      var r = call("init", [authorOptions(options)]);
      // Hosts whose users go offline load the overlay at once, so a guide can still show.
      if (options && options.prefetchOverlay === true) ui("prefetch");
      try {
        design(options);
      } catch (e) {
        fail("designer", e);
      }
      return r;
    },
    preview: method("preview"),
    identify: method("identify"),
    track: method("track"),
    page: method("page"),
    start: method("start"),
    end: method("end"),
    reset: method("reset"),
    pick: authoring("pick", null, function (m, a) {
      return m.au_pick(a[0], (engine && call("debug_state", [])) || "");
    }),
    validate: authoring("validate", null, function (m, a) {
      return m.au_validate(typeof a[0] === "string" ? a[0] : stringify(a[0]));
    }),
    debug: authoring("debug", [], function (m) {
      var state = call("debug_state", []);
      return state ? m.au_explain(state) : [];
    }),
    on: function (name, handler) {
      if (typeof handler !== "function") return function () {};
      (handlers[name] = handlers[name] || []).push(handler);
      if (name === "ready" && readyPayload) {
        var payload = readyPayload;
        Promise.resolve().then(function () {
          try {
            handler(payload, "ready");
          } catch (e) {
            if (w.console) console.error("[guidepost] an on('ready') handler threw", e);
          }
        });
      }
      return function () {
        var l = handlers[name] || [];
        var i = l.indexOf(handler);
        if (i >= 0) l.splice(i, 1);
      };
    },
    // The stub's `load`, once this script runs: it is loaded already.
    load: function () {},
    // Test hook: makes the engine panic, to exercise the path above in the shipped build.
    __fault: method("fault"),
    version: "0.1.0",
  };
  // Unsubscribe calls made on the stub's `on` before load.
  g.__unsub = function (entry) {
    if (entry && entry.unsub) entry.unsub();
  };
  for (var k in api) g[k] = api[k];
  // An `init` queued by the stub before this script loaded opens designer mode too.
  for (var qi = 0; qi < queue.length; qi++) {
    if (queue[qi][0] === "init") {
      var queued = queue[qi][1][0];
      queue[qi][1] = [authorOptions(queued)];
      if (queued && queued.prefetchOverlay === true) ui("prefetch");
      try {
        design(queued);
      } catch (e) {
        fail("designer", e);
      }
      break;
    }
  }
  // Handlers registered through the stub hear everything from now on, a failed load too.
  queue = queue.filter(function (item) {
    if (item[0] !== "on") return true;
    if (!item.off) item.unsub = api.on.apply(null, item[1]);
    return false;
  });

  // Single-page-app navigation: history API and popstate/hashchange.
  var lastUrl = location.href;
  function urlChanged() {
    if (location.href !== lastUrl) {
      lastUrl = location.href;
      call("page", []);
    }
  }
  ["pushState", "replaceState"].forEach(function (m) {
    var orig = history[m];
    if (typeof orig !== "function") return;
    history[m] = function () {
      var r = orig.apply(this, arguments);
      try {
        urlChanged();
      } catch (e) {
        fail("navigation", e);
      }
      return r;
    };
  });
  w.addEventListener("popstate", urlChanged);
  w.addEventListener("hashchange", urlChanged);

  // A tour in progress (saved by an earlier page view) resumes on this one: fetch the
  // overlay beside the decision module instead of after it.
  try {
    for (var si = 0; si < localStorage.length; si++) {
      if (/^guidepost:u:.*:tour$/.test(localStorage.key(si) || "")) {
        ui("prefetch");
        break;
      }
    }
  } catch (_) {}

  // JSON.stringify for what the page passes in (options, traits, properties, guides to
  // validate), with a `toJSON` the page put on Array.prototype or Object.prototype set aside
  // while it runs, and a Date.prototype.toJSON that is not the browser's replaced by the
  // standard one: Prototype.js 1.6 (still in older apps) turns every array into a string and
  // wraps dates in an extra pair of quotes.
  function stringify(v) {
    var saved = [];
    [Array.prototype, Object.prototype, Date.prototype].forEach(function (p) {
      var d = Object.getOwnPropertyDescriptor(p, "toJSON");
      if (!d || !d.configurable) return;
      if (p === Date.prototype) {
        if (typeof d.value !== "function" || /\[native code\]/.test(Function.prototype.toString.call(d.value))) return;
        saved.push([p, d]);
        Object.defineProperty(p, "toJSON", {
          configurable: true,
          writable: true,
          value: function () {
            return isFinite(this.valueOf()) ? this.toISOString() : null;
          },
        });
      } else {
        saved.push([p, d]);
        delete p.toJSON;
      }
    });
    try {
      return JSON.stringify(v);
    } finally {
      saved.forEach(function (s) {
        Object.defineProperty(s[0], "toJSON", s[1]);
      });
    }
  }

  // wasm-bindgen's no-modules output declares `let wasm_bindgen` in this same script.
  var boot = typeof wasm_bindgen !== "undefined" ? wasm_bindgen : undefined;
  if (typeof boot !== "function") {
    die("load", new Error("the wasm bindings are missing from guidepost.js"));
    return;
  }
  // The stub's `load` (the snippet's form) started compiling the decision module while the
  // page was still parsing: use it when it is this script's own (a stale copy of another
  // version would not link), falling back to a fresh download when it failed.
  var early = null;
  try {
    if (g.__wasm && script && script.src === new URL(g.__src, document.baseURI).href) early = g.__wasm;
  } catch (_) {}
  boot({
    module_or_path: early
      ? early.then(null, function () {
          return fetch(wasmUrl);
        })
      : compile(wasmUrl),
  })
    .then(function () {
      var e = boot;
      e.gp_boot(emit, onPanic, ui, stringify);
      engine = {
        init: e.gp_init,
        identify: e.gp_identify,
        track: e.gp_track,
        page: e.gp_page,
        start: e.gp_start,
        preview: e.gp_preview,
        end: e.gp_end,
        reset: e.gp_reset,
        debug_state: e.gp_debug_state,
        ui: e.gp_ui,
        kill: e.gp_kill,
        fault: e.gp_fault,
      };
      whenEngine();
      var pending = queue.splice(0, queue.length);
      for (var i = 0; i < pending.length; i++) {
        var item = pending[i];
        if (item[2]) api[item[0]].apply(null, item[1]).then(item[2]);
        else call(item[0], item[1]);
      }
      maybeReady();
    })
    .catch(function (e) {
      // Vite's dev server pre-bundles dependencies into .vite/deps/ without the files they
      // reference by `import.meta.url`: say how to exclude the package.
      var fix = /\/\.vite\/deps\//.test(wasmUrl)
        ? 'Vite\'s dev server pre-bundled the package without its wasm files: add optimizeDeps: { exclude: ["guidepost"] } to vite.config'
        : "serve it next to guidepost.js, with CORS headers when it comes from another origin";
      die("load", new Error("could not load " + wasmUrl + " (" + ((e && e.message) || e) + "); " + fix));
    });
})();
