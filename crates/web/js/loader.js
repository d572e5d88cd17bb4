
/* Guidepost loader: appended to wasm-bindgen's no-modules output by scripts/build-web.sh.
 * It turns the queued stub into the real API, loads the wasm next to this script,
 * replays queued calls in order, and makes sure nothing ever throws into the host page. */
(function () {
  var w = window;
  var g = (w.Guidepost = w.Guidepost || {});
  if (g.__loaded) return;
  g.__loaded = true;
  var script = document.currentScript;
  var base = (script && script.src) || (document.baseURI || location.href);
  var wasmUrl = base.replace(/[^\/?#]*([?#].*)?$/, "guidepost_bg.wasm");
  var queue = g.__queue || [];
  var handlers = {};
  var engine = null;

  function emit(name, payload) {
    var list = (handlers[name] || []).slice().concat(name === "*" ? [] : (handlers["*"] || []).slice());
    for (var i = 0; i < list.length; i++) {
      try {
        list[i](payload, name);
      } catch (e) {
        if (w.console) console.error("[guidepost] an on('" + name + "') handler threw", e);
      }
    }
  }
  function fail(where, e) {
    var message = (e && e.message) || String(e);
    if (w.console) console.warn("[guidepost] " + where + ": " + message);
    try {
      emit("error", { message: where + ": " + message, source: where });
    } catch (_) {}
  }
  function call(name, args) {
    if (!engine) {
      var entry = [name, args];
      queue.push(entry);
      return undefined;
    }
    try {
      return engine[name].apply(null, args);
    } catch (e) {
      fail(name, e);
    }
  }
  function method(name) {
    return function () {
      return call(name, Array.prototype.slice.call(arguments));
    };
  }
  var api = {
    __loaded: true,
    init: method("init"),
    identify: method("identify"),
    track: method("track"),
    page: method("page"),
    start: method("start"),
    end: method("end"),
    reset: method("reset"),
    pick: method("pick"),
    validate: function (text) {
      if (!engine) return null;
      try {
        return engine.validate(typeof text === "string" ? text : JSON.stringify(text));
      } catch (e) {
        fail("validate", e);
        return null;
      }
    },
    debug: function () {
      if (!engine) return [];
      try {
        return engine.debug();
      } catch (e) {
        fail("debug", e);
        return [];
      }
    },
    on: function (name, handler) {
      if (typeof handler !== "function") return function () {};
      (handlers[name] = handlers[name] || []).push(handler);
      return function () {
        var l = handlers[name] || [];
        var i = l.indexOf(handler);
        if (i >= 0) l.splice(i, 1);
      };
    },
    version: "0.1.0",
  };
  // Unsubscribe calls made on the stub's `on` before load.
  g.__unsub = function (entry) {
    if (entry && entry.unsub) entry.unsub();
  };
  for (var k in api) g[k] = api[k];

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

  // wasm-bindgen's no-modules output declares `let wasm_bindgen` in this same script.
  var boot = typeof wasm_bindgen !== "undefined" ? wasm_bindgen : undefined;
  if (typeof boot !== "function") {
    fail("load", new Error("the wasm bindings are missing from guidepost.js"));
    return;
  }
  boot({ module_or_path: wasmUrl })
    .then(function () {
      var e = boot;
      e.gp_boot(emit);
      engine = {
        init: e.gp_init,
        identify: e.gp_identify,
        track: e.gp_track,
        page: e.gp_page,
        start: e.gp_start,
        end: e.gp_end,
        reset: e.gp_reset,
        debug: e.gp_debug,
        pick: e.gp_pick,
        validate: e.gp_validate,
      };
      var pending = queue.splice(0, queue.length);
      for (var i = 0; i < pending.length; i++) {
        var item = pending[i];
        if (item[0] === "on") {
          if (!item.off) item.unsub = api.on.apply(null, item[1]);
        } else if (engine[item[0]]) {
          call(item[0], item[1]);
        }
      }
      emit("ready", { version: api.version });
    })
    .catch(function (e) {
      fail("load", e);
    });
})();
