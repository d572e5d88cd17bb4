// Maps JSON paths such as `$.steps[1].placement` to the line they start on in a JSON text,
// so the engine's diagnostics can be shown next to the right line.
(function (global) {
  function locate(text) {
    var i = 0, line = 1, lines = {};
    function ws() {
      while (i < text.length) {
        var c = text[i];
        if (c === "\n") { line++; i++; } else if (c === " " || c === "\t" || c === "\r") i++; else break;
      }
    }
    function str() {
      var out = ""; i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === "\\") { out += text[i + 1]; i += 2; } else { if (text[i] === "\n") line++; out += text[i++]; }
      }
      i++;
      return out;
    }
    function value(path) {
      ws();
      lines[path] = line;
      var c = text[i];
      if (c === "{") {
        i++; ws();
        if (text[i] === "}") { i++; return; }
        while (i < text.length) {
          ws(); if (text[i] !== '"') throw new Error("key expected");
          var keyLine = line, k = str();
          ws(); if (text[i] !== ":") throw new Error(": expected"); i++;
          var p = path + "." + k;
          value(p);
          lines[p] = keyLine;
          ws();
          if (text[i] === ",") { i++; continue; }
          if (text[i] === "}") { i++; return; }
          throw new Error(", or } expected");
        }
      } else if (c === "[") {
        i++; ws();
        if (text[i] === "]") { i++; return; }
        for (var n = 0; i < text.length; n++) {
          value(path + "[" + n + "]");
          ws();
          if (text[i] === ",") { i++; continue; }
          if (text[i] === "]") { i++; return; }
          throw new Error(", or ] expected");
        }
      } else if (c === '"') {
        str();
      } else {
        while (i < text.length && /[^,\]\}\s]/.test(text[i])) i++;
      }
    }
    try { value("$"); } catch (e) { /* invalid JSON: the engine reports line and column */ }
    return lines;
  }
  /** The line of `path`, or of its closest located ancestor. */
  function lineOf(text, path, cache) {
    var lines = cache || locate(text);
    var p = path;
    while (p) {
      if (lines[p] != null) return lines[p];
      var cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
      if (cut <= 0) break;
      p = p.slice(0, cut);
    }
    return 1;
  }
  global.JsonPaths = { locate: locate, lineOf: lineOf };
})(window);
