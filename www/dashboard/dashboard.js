// Guidepost dashboard: plain JS, no build step. Reads the collector's report API with a
// read key; every value from the API is inserted as text, never as HTML.
(function () {
  "use strict";
  var COLORS = {
    dismissed: "#f79009", target_missing: "#d92d20", navigated_away: "#7a5af8", timeout: "#0ba5ec",
    displaced: "#ee46bc", in_progress: "#98a2b3", left_later: "#667085", completed_elsewhere: "#12b76a"
  };
  var $ = function (id) { return document.getElementById(id); };
  var SVG = "http://www.w3.org/2000/svg";
  var state = { guides: [], selected: null };

  function el(tag, attrs, text) {
    var e = tag.indexOf("svg:") === 0 ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  // A guide's or a step's name where the collector knows it (`name`, `title`), with its id
  // beside it in small print; else its id.
  function named(name, id) {
    var td = el("td", {}, name || id);
    if (name && name !== id) td.appendChild(el("small", { class: "id" }, " " + id));
    return td;
  }
  function pct(x) { return (Math.round(x * 1000) / 10).toFixed(1) + "%"; }
  function dur(ms) {
    if (ms === null || ms === undefined) return "–";
    return ms < 1000 ? ms + " ms" : ms < 60000 ? (ms / 1000).toFixed(1) + " s" : (ms / 60000).toFixed(1) + " min";
  }
  function status(msg, ok) { var s = $("status"); s.textContent = msg || ""; s.className = ok ? "ok" : ""; }
  function key() { return $("key").value.trim(); }

  function api(path) {
    return fetch(path, { headers: { authorization: "Bearer " + key() } }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) throw Object.assign(new Error((body && body.error) || ("HTTP " + r.status)), { status: r.status });
        return body;
      });
    });
  }

  function loadGuides() {
    status("Loading…", true);
    var tried = key();
    return api("/v1/guides").then(function (body) {
      // Kept for the next visit once it worked.
      try { localStorage.setItem("guidepost.readKey", tried); } catch (e) { /* private mode */ }
      state.guides = body.guides || [];
      renderGuides();
      status("", true);
      // `?guide=` or `#guide=` (the Studio's report links with the fragment).
      var wanted = params.get("guide") || new URLSearchParams(location.hash.slice(1)).get("guide") || (state.selected && state.selected.guide_id);
      var busiest = state.guides.slice().sort(function (a, b) { return b.shown_users - a.shown_users; })[0];
      var g = state.guides.filter(function (x) { return x.guide_id === wanted; })[0] || busiest;
      if (g) select(g);
    }).catch(function (e) {
      // The demo's key, tried because none was given, is not this collector's: ask for one.
      if (e.status === 401 && defaulted && key() === DEMO_KEY) status("Enter this collector's read key (or its admin key) above, then Load.");
      else status("Could not load guides: " + e.message);
    });
  }

  function renderGuides() {
    var tb = $("guides").querySelector("tbody");
    tb.textContent = "";
    $("no-guides").hidden = state.guides.length > 0;
    state.guides.forEach(function (g) {
      var tr = el("tr", { "data-guide": g.guide_id });
      tr.appendChild(named(g.name, g.guide_id));
      tr.appendChild(el("td", {}, g.shown_users));
      tr.appendChild(el("td", {}, g.completed_users));
      var td = el("td", { class: "completion" });
      td.appendChild(el("span", { class: "rate", style: "width:" + Math.round(g.completion_rate * 80) + "px" }));
      td.appendChild(document.createTextNode(pct(g.completion_rate)));
      tr.appendChild(td);
      tr.appendChild(el("td", {}, (g.versions || []).join(", ")));
      tr.addEventListener("click", function () { select(g); });
      tb.appendChild(tr);
    });
  }

  function fillSelect(sel, values) {
    var keep = sel.value;
    sel.textContent = "";
    sel.appendChild(el("option", { value: "" }, "all"));
    values.forEach(function (v) { sel.appendChild(el("option", { value: String(v) }, v)); });
    sel.value = values.map(String).indexOf(keep) >= 0 ? keep : "";
  }

  function select(g) {
    if (!state.selected || state.selected.guide_id !== g.guide_id) {
      fillSelect($("version"), g.versions || []);
      fillSelect($("variant"), g.variants || []);
    }
    state.selected = g;
    Array.prototype.forEach.call($("guides").querySelectorAll("tbody tr"), function (tr) {
      tr.classList.toggle("selected", tr.getAttribute("data-guide") === g.guide_id);
    });
    $("detail").hidden = false;
    $("detail-title").textContent = g.name || g.guide_id;
    return loadFunnel();
  }

  function loadFunnel() {
    var g = state.selected;
    if (!g) return Promise.resolve();
    var q = new URLSearchParams();
    ["from", "to", "version", "variant"].forEach(function (f) { if ($(f).value) q.set(f, $(f).value); });
    var funnel = api("/v1/guides/" + encodeURIComponent(g.guide_id) + "/funnel?" + q.toString())
      .then(renderFunnel)
      .catch(function (e) { status("Could not load the funnel: " + e.message); });
    // The goal report compares every group: the variant filter does not apply to it.
    q.delete("variant");
    var goals = api("/v1/guides/" + encodeURIComponent(g.guide_id) + "/goals?" + q.toString())
      .then(renderGoals)
      .catch(function (e) { status("Could not load the goal report: " + e.message); });
    return Promise.all([funnel, goals]);
  }

  var GROUP_NAMES = { held_out: "held out (control)", shown: "shown" };
  function groupName(g) { return GROUP_NAMES[g] || "variant " + g; }
  function signed(x) { return (x >= 0 ? "+" : "") + (Math.round(x * 1000) / 10).toFixed(1); }

  function renderGoals(r) {
    var goal = r.goal;
    $("goal-what").textContent = goal
      ? (goal.event ? "Event \u201c" + goal.event + "\u201d" : "Page " + goal.url) + " within " + r.within_days +
        " days of a user's first exposure (shown or held out)."
      : "This guide names no goal: exposures are counted, conversions need a goal.";
    var box = $("goal-groups");
    box.textContent = "";
    if (!r.groups.length) box.appendChild(el("p", { class: "hint" }, "No user was shown or held out yet."));
    r.groups.forEach(function (g) {
      var row = el("div", { class: "goal-group", "data-group": g.group, "data-exposed": g.exposed_users, "data-converted": g.converted_users });
      row.appendChild(el("span", { class: "name" }, groupName(g.group)));
      var bar = el("div", { class: "goal-bar", title: "conversion with its 95% interval" });
      var fill = el("div", { class: "fill" });
      fill.style.width = ((g.rate || 0) * 100) + "%";
      bar.appendChild(fill);
      if (g.low !== null && g.high !== null) {
        var ci = el("div", { class: "ci" });
        ci.style.left = (g.low * 100) + "%";
        ci.style.width = Math.max(0.5, (g.high - g.low) * 100) + "%";
        bar.appendChild(ci);
      }
      row.appendChild(bar);
      row.appendChild(el("span", { class: "numbers" }, g.converted_users + " of " + g.exposed_users + " converted" +
        (g.rate === null ? "" : " · " + pct(g.rate) + " (95% CI " + pct(g.low) + "–" + pct(g.high) + ")")));
      box.appendChild(row);
    });
    var ul = $("goal-verdicts");
    ul.textContent = "";
    r.comparisons.forEach(function (c) {
      var verdict = c.verdict || {};
      var li = el("li", { "data-group": c.group, "data-verdict": verdict.verdict });
      var d = c.absolute;
      var text = groupName(c.group) + " vs " + groupName(c.baseline) + ": " +
        (d ? signed(d.estimate) + " points (95% CI " + signed(d.low) + " to " + signed(d.high) + ")" : "no estimate yet");
      if (c.relative) text += ", relative " + signed(c.relative.estimate) + "%";
      li.appendChild(document.createTextNode(text + " \u2014 "));
      var v = c.says + (verdict.verdict === "not_enough_data" ? " (" + verdict.missing + " more outcomes needed)" : "");
      li.appendChild(el("span", { class: "verdict verdict-" + c.says.replace(/ /g, "-") }, v));
      ul.appendChild(li);
    });
    renderTrend(r.series || []);
  }

  var TREND = [["shown", "#3e63dd"], ["completed", "#344054"], ["converted", "#12b76a"]];
  function renderTrend(series) {
    var legend = $("goal-legend");
    legend.textContent = "";
    TREND.forEach(function (t) {
      var s = el("span", {}); s.appendChild(el("i", { style: "background:" + t[1] })); s.appendChild(document.createTextNode(t[0])); legend.appendChild(s);
    });
    var svg = $("goal-trend");
    svg.textContent = "";
    var W = 900, H = 180, pad = 30;
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    if (!series.length) { svg.appendChild(el("svg:text", { x: pad, y: H / 2 }, "No exposures in this range.")); return; }
    var max = 1;
    series.forEach(function (d) { TREND.forEach(function (t) { max = Math.max(max, d[t[0]]); }); });
    var step = series.length > 1 ? (W - 2 * pad) / (series.length - 1) : 0;
    var x = function (i) { return pad + i * step; };
    var y = function (n) { return H - pad - n / max * (H - 2 * pad); };
    TREND.forEach(function (t) {
      var pts = series.map(function (d, i) { return x(i) + "," + y(d[t[0]]); }).join(" ");
      svg.appendChild(el("svg:polyline", { points: pts, fill: "none", stroke: t[1], "stroke-width": 2, "data-series": t[0] }));
      series.forEach(function (d, i) {
        var c = el("svg:circle", { cx: x(i), cy: y(d[t[0]]), r: 3, fill: t[1], "data-series": t[0], "data-day": d.day, "data-n": d[t[0]] });
        c.appendChild(el("svg:title", {}, d.day + ": " + d[t[0]] + " " + t[0]));
        svg.appendChild(c);
      });
    });
    series.forEach(function (d, i) {
      var anchor = series.length === 1 || (i > 0 && i < series.length - 1) ? "middle" : i === 0 ? "start" : "end";
      svg.appendChild(el("svg:text", { x: x(i), y: H - 8, "text-anchor": anchor }, d.day));
    });
  }

  function card(parent, value, label, cls) {
    var c = el("div", { class: "card" + (cls ? " " + cls : "") });
    c.appendChild(el("b", {}, value));
    c.appendChild(el("span", {}, label));
    parent.appendChild(c);
  }

  function renderFunnel(r) {
    var sum = $("summary");
    sum.textContent = "";
    card(sum, r.shown_users, "users shown", "shown");
    card(sum, r.completed_users, "completed", "completed");
    card(sum, pct(r.completion_rate), "completion rate", "completion-rate");
    card(sum, pct(r.target_missing_rate || 0), "sessions with a missing target", "health");

    var reasons = {};
    r.steps.forEach(function (s) { Object.keys(s.drop_reasons || {}).forEach(function (k) { reasons[k] = true; }); });
    var legend = $("legend");
    legend.textContent = "";
    var li = el("span", {}); li.appendChild(el("i", { style: "background:var(--done)" })); li.appendChild(document.createTextNode("completed"));
    legend.appendChild(li);
    Object.keys(reasons).sort().forEach(function (k) {
      var s = el("span", {}); s.appendChild(el("i", { style: "background:" + (COLORS[k] || "#999") }));
      s.appendChild(document.createTextNode(k.replace(/_/g, " "))); legend.appendChild(s);
    });

    // Funnel bars.
    var svg = $("funnel");
    svg.textContent = "";
    var W = 900, label = 180, rowH = 34, max = Math.max(1, r.shown_users || 0);
    r.steps.forEach(function (s) { max = Math.max(max, s.viewed_users); });
    svg.setAttribute("viewBox", "0 0 " + W + " " + (r.steps.length * rowH + 10));
    var scale = (W - label - 120) / max;
    r.steps.forEach(function (s, i) {
      var y = 8 + i * rowH;
      var g = el("svg:g", { class: "step", "data-step": s.step_id });
      var name = (s.step_index + 1) + ". " + (s.title || s.step_id);
      var text = el("svg:text", { x: 8, y: y + 17 }, name.length > 26 ? name.slice(0, 25) + "…" : name);
      text.appendChild(el("svg:title", {}, name));
      g.appendChild(text);
      var x = label;
      var seg = function (w, color, attrs, title) {
        if (w <= 0) return;
        var a = { x: x, y: y, width: Math.max(1, w * scale), height: 24, fill: color, "data-users": w };
        for (var k in attrs) a[k] = attrs[k];
        var rect = el("svg:rect", a);
        rect.appendChild(el("svg:title", {}, title));
        g.appendChild(rect);
        x += w * scale;
      };
      seg(s.completed_users, "var(--done)", { class: "completed" }, s.completed_users + " completed");
      Object.keys(s.drop_reasons || {}).sort().forEach(function (k) {
        var n = s.drop_reasons[k];
        seg(n, COLORS[k] || "#999", { class: "drop", "data-reason": k }, n + " dropped: " + k.replace(/_/g, " "));
      });
      g.appendChild(el("svg:text", { x: x + 8, y: y + 17 }, s.viewed_users + " viewed · " + pct(s.drop_rate) + " drop"));
      svg.appendChild(g);
    });

    // Step table.
    var tb = $("steps").querySelector("tbody");
    tb.textContent = "";
    r.steps.forEach(function (s) {
      var tr = el("tr", { "data-step": s.step_id });
      tr.appendChild(el("td", {}, s.step_index + 1));
      tr.appendChild(named(s.title, s.step_id));
      tr.appendChild(el("td", { class: "viewed" }, s.viewed_users));
      tr.appendChild(el("td", { class: "completed" }, s.completed_users));
      tr.appendChild(el("td", { class: "dropped" }, s.dropped_users));
      tr.appendChild(el("td", { class: "drop-rate" }, pct(s.drop_rate)));
      tr.appendChild(el("td", { class: "why" }, Object.keys(s.drop_reasons || {}).sort().map(function (k) {
        return k.replace(/_/g, " ") + " " + s.drop_reasons[k];
      }).join(", ") || "–"));
      tr.appendChild(el("td", { class: "median" }, dur(s.median_ms)));
      var bad = s.target_missing_sessions > 0;
      tr.appendChild(el("td", { class: "health" + (bad ? " health-bad" : "") },
        bad ? "target missing in " + s.target_missing_sessions + "/" + s.sessions + " sessions (" + pct(s.target_missing_rate) + ")" : "ok"));
      tb.appendChild(tr);
    });
    renderSurvey(r.survey);
  }

  function renderSurvey(sv) {
    $("survey").hidden = !sv;
    if (!sv) return;
    var nps = $("nps");
    nps.textContent = "";
    card(nps, sv.nps === null || sv.nps === undefined ? "–" : (sv.nps > 0 ? "+" : "") + sv.nps, "NPS", "nps-score");
    card(nps, sv.responses, "responses", "responses");
    var svg = $("distribution");
    svg.textContent = "";
    var dist = sv.distribution || [];
    var max = Math.max.apply(null, [1].concat(dist));
    svg.setAttribute("viewBox", "0 0 460 150");
    dist.forEach(function (n, score) {
      var h = n / max * 100, x = 10 + score * 40;
      var color = score >= 9 ? "#12b76a" : score >= 7 ? "#98a2b3" : "#d92d20";
      var rect = el("svg:rect", { x: x, y: 115 - h, width: 30, height: Math.max(h, 0.5), fill: color, class: "score", "data-score": score, "data-count": n });
      rect.appendChild(el("svg:title", {}, n + " × " + score));
      svg.appendChild(rect);
      svg.appendChild(el("svg:text", { x: x + 10, y: 132 }, score));
      if (n) svg.appendChild(el("svg:text", { x: x + 8, y: 110 - h }, n));
    });
    var ul = $("choices");
    ul.textContent = "";
    Object.keys(sv.choices || {}).sort(function (a, b) { return sv.choices[b] - sv.choices[a]; }).forEach(function (c) {
      ul.appendChild(el("li", { "data-choice": c }, c + ": " + sv.choices[c]));
    });
    var cm = $("comments");
    cm.textContent = "";
    (sv.comments || []).slice(0, 20).forEach(function (c) { cm.appendChild(el("li", { class: "comment" }, "“" + c + "”")); });
  }

  var params = new URLSearchParams(location.search);
  var stored = null;
  try { stored = localStorage.getItem("guidepost.readKey"); } catch (e) { /* private mode */ }
  var DEMO_KEY = "demo-read-key";
  var defaulted = !(params.get("key") || stored);
  $("key").value = params.get("key") || stored || DEMO_KEY;
  $("reload").addEventListener("click", loadGuides);
  $("filters").addEventListener("submit", function (e) { e.preventDefault(); loadFunnel(); });
  loadGuides();
})();
