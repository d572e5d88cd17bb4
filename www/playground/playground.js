// The guide playground: edit JSON, see the engine's diagnostics next to the lines, preview the
// guide live in the demo app, and pick targets by clicking elements in the preview.
(function () {
  var source = document.getElementById("source");
  var gutter = document.getElementById("gutter");
  var problems = document.getElementById("problems");
  var status = document.getElementById("status");
  var preview = document.getElementById("preview");
  var exampleSel = document.getElementById("example");
  var stepSel = document.getElementById("step");
  var pageSel = document.getElementById("page");
  var pickResult = document.getElementById("pick-result");
  var examples = [];
  var current = null; // the last valid guide
  var timer = null;

  var engine = null; // the preview's Guidepost, once its engine is ready

  function gp() {
    return engine;
  }
  function loadPage() {
    engine = null;
    preview.src = pageSel.value + "?preview=1";
  }
  // The stub defines Guidepost in the preview's <head>; `ready` is sticky, so this works
  // whether the engine loaded before or after the frame's load event.
  preview.addEventListener("load", function () {
    var g = preview.contentWindow && preview.contentWindow.Guidepost;
    if (!g || !g.on) return;
    g.on("ready", function () {
      engine = g;
      run();
    });
  });

  function renderGutter(marks) {
    var n = source.value.split("\n").length;
    gutter.textContent = "";
    for (var i = 1; i <= n; i++) {
      var span = document.createElement("span");
      span.textContent = String(i);
      if (marks[i]) { span.className = marks[i]; span.title = "problem on this line"; }
      gutter.appendChild(span);
      gutter.appendChild(document.createTextNode("\n"));
    }
    gutter.scrollTop = source.scrollTop;
  }
  source.addEventListener("scroll", function () { gutter.scrollTop = source.scrollTop; });

  function goToLine(line) {
    var lines = source.value.split("\n");
    var start = lines.slice(0, line - 1).join("\n").length + (line > 1 ? 1 : 0);
    source.focus();
    source.setSelectionRange(start, start + (lines[line - 1] || "").length);
    source.scrollTop = Math.max(0, (line - 4) * 20);
  }

  // Validation runs in the engine's author module, which answers a Promise: only the
  // answer for the latest text is shown.
  var validations = 0;
  function validate() {
    var g = gp();
    if (!g) return Promise.resolve(false);
    var text = source.value;
    var seq = ++validations;
    return Promise.resolve(g.validate(text)).then(function (result) {
      return seq === validations && show(text, result || { guides: [], diagnostics: [] });
    });
  }

  function show(text, result) {
    var cache = JsonPaths.locate(text);
    var marks = {};
    problems.textContent = "";
    result.diagnostics.forEach(function (d) {
      var line = JsonPaths.lineOf(text, d.path, cache);
      var m = /line (\d+), column/.exec(d.message);
      if (d.path === "$" && m) line = +m[1];
      if (marks[line] !== "err") marks[line] = d.severity === "error" ? "err" : "warn";
      var li = document.createElement("li");
      li.className = d.severity;
      li.setAttribute("data-line", String(line));
      var code = document.createElement("code");
      code.textContent = d.path;
      li.appendChild(document.createTextNode("Line " + line + " · "));
      li.appendChild(code);
      li.appendChild(document.createTextNode(" " + d.message));
      li.addEventListener("click", function () { goToLine(line); });
      problems.appendChild(li);
    });
    renderGutter(marks);
    var errors = result.diagnostics.filter(function (d) { return d.severity === "error"; }).length;
    status.className = errors ? "bad" : "ok";
    status.textContent = errors ? errors + " error(s): the preview shows the last valid version" : "Valid";
    if (!errors && result.guides.length) {
      try {
        var parsed = JSON.parse(text);
        current = Array.isArray(parsed) ? parsed[0] : parsed;
      } catch (e) { /* unreachable: the engine parsed it */ }
      refreshSteps();
      return true;
    }
    return false;
  }

  function refreshSteps() {
    var keep = stepSel.value;
    stepSel.textContent = "";
    ((current && current.steps) || []).forEach(function (s, i) {
      var o = document.createElement("option");
      o.value = String(i);
      o.textContent = (i + 1) + ". " + s.id + " (" + s.kind + ")";
      stepSel.appendChild(o);
    });
    if (keep && +keep < stepSel.options.length) stepSel.value = keep;
  }

  function run() {
    var g = gp();
    if (!g) return;
    validate().then(function () {
      if (!current) return;
      g.end();
      g.reset();
      g.init({ guides: [current] });
      g.start(current.id);
    });
  }

  source.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { validate().then(function (ok) { if (ok) run(); }); }, 300);
  });
  document.getElementById("run").addEventListener("click", run);
  pageSel.addEventListener("change", loadPage);
  exampleSel.addEventListener("change", function () {
    var ex = examples.find(function (e) { return e.id === exampleSel.value; });
    source.value = JSON.stringify(ex, null, 2);
    current = null;
    run();
  });

  document.getElementById("pick").addEventListener("click", function () {
    var g = gp();
    if (!g || !current) return;
    g.end();
    pickResult.textContent = "Hover an element in the preview and click it (Esc cancels)…";
    preview.focus();
    Promise.resolve(g.pick()).then(function (res) {
      if (!res) { pickResult.textContent = "Picking cancelled"; return; }
      var i = +stepSel.value || 0;
      var guide = JSON.parse(JSON.stringify(current));
      guide.steps[i].target = res.target;
      if (guide.steps[i].kind === "modal" || guide.steps[i].kind === "banner") guide.steps[i].kind = "tooltip";
      source.value = JSON.stringify(guide, null, 2);
      pickResult.textContent = "Picked " + res.selector + " · " + res.matches + " match" + (res.matches === 1 ? "" : "es");
      pickResult.setAttribute("data-matches", String(res.matches));
      run();
    });
  });

  fetch("/guides.json").then(function (r) { return r.json(); }).then(function (list) {
    examples = list;
    list.forEach(function (g) {
      var o = document.createElement("option");
      o.value = g.id; o.textContent = g.name || g.id;
      exampleSel.appendChild(o);
    });
    var first = list.find(function (g) { return g.id === "onboarding-tour"; }) || list[0];
    if (first) { exampleSel.value = first.id; source.value = JSON.stringify(first, null, 2); }
    renderGutter({});
    loadPage();
  });
  window.playground = { validate: validate, run: run };
})();
