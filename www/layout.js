// Demo host app: shared layout, a persona switcher, and the Guidepost setup.
(function () {
  var personas = {
    "ada-admin": { role: "admin", plan: "pro", signed_up_at: new Date(Date.now() - 3 * 864e5).toISOString().slice(0, 10), country: "FR" },
    "vic-viewer": { role: "viewer", plan: "free", signed_up_at: "2025-01-10", country: "US" },
    "tom-trial": { role: "admin", plan: "trial", signed_up_at: new Date(Date.now() - 40 * 864e5).toISOString().slice(0, 10), trial_ends_at: "2026-12-10", country: "CA" },
  };
  var params = new URLSearchParams(location.search);
  var user = params.get("user") || localStorage.getItem("demo:user") || "ada-admin";
  localStorage.setItem("demo:user", user);
  var page = document.body.getAttribute("data-page");
  var nav = [
    ["dashboard", "/index.html", "Dashboard", "nav-dashboard"],
    ["reports", "/reports.html", "Reports", "nav-reports"],
    ["settings", "/settings.html", "Settings", "nav-settings"],
    ["playground", "/playground/", "Guide playground", "nav-playground"],
    ["analytics", "/dashboard/", "Guide analytics", "nav-analytics"],
  ];
  var header = document.createElement("header");
  header.className = "topbar";
  header.innerHTML = '<span class="brand">Acme Analytics</span><span class="spacer"></span><label>Signed in as <select id="persona"></select></label>';
  document.body.prepend(header);
  var sel = header.querySelector("#persona");
  Object.keys(personas).forEach(function (p) {
    var o = document.createElement("option");
    o.value = p; o.textContent = p; o.selected = p === user;
    sel.appendChild(o);
  });
  sel.addEventListener("change", function () {
    localStorage.setItem("demo:user", sel.value);
    location.reload();
  });
  var aside = document.createElement("nav");
  aside.className = "sidebar";
  aside.setAttribute("aria-label", "Main");
  nav.forEach(function (n) {
    var a = document.createElement("a");
    a.href = n[1]; a.textContent = n[2]; a.setAttribute("data-tour", n[3]);
    if (n[0] === page) { a.className = "active"; a.setAttribute("aria-current", "page"); }
    aside.appendChild(a);
  });
  document.body.insertBefore(aside, header.nextSibling);
  // The playground's preview (?preview=1) drives Guidepost itself.
  if (!window.GUIDEPOST_MANUAL_INIT && !params.has("preview")) {
    // No `guides`: the engine loads the guides published to the write key's environment
    // from the collector's guide store.
    Guidepost.init({ endpoint: location.origin, writeKey: "demo-write-key" });
    Guidepost.identify(user, personas[user] || {});
  }
  window.demo = { personas: personas, user: user };
})();
