#!/usr/bin/env bash
# Builds the browser bundle into dist/: cargo (wasm32) -> wasm-bindgen (pinned) -> wasm-opt -Oz (npm binaryen).
# Installs the wasm target, the matching wasm-bindgen CLI and the npm packages when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"

source scripts/wasm-pipeline.sh
ensure_wasm_tools

if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -x node_modules/.bin/terser ] || [ ! -f node_modules/playwright-core/package.json ] \
  || [ ! -f node_modules/startbootstrap-sb-admin-2/index.html ] || [ ! -f node_modules/docsify/lib/docsify.min.js ] \
  || [ ! -f node_modules/react-router-dom/dist/umd/react-router-dom.production.min.js ] || [ ! -x node_modules/.bin/tsc ]; then
  npm install --no-audit --no-fund
fi

cargo build -p guidepost-web --release --target wasm32-unknown-unknown
out=target/wasm-bindgen
rm -rf "$out" && mkdir -p "$out" dist
bindgen_opt target/wasm32-unknown-unknown/release/guidepost_web.wasm "$out" guidepost
cp "$out/guidepost.opt.wasm" dist/guidepost_bg.wasm
# One function scope around the glue and the loader, so the host page gets `Guidepost` and
# nothing else (no global `wasm_bindgen`), then minified with terser (npm).
{ echo '(function () {'; cat "$out/guidepost.js" crates/web/js/loader.js; echo '})();'; } > "$out/bundle.js"
node_modules/.bin/terser "$out/bundle.js" --compress passes=2 --mangle --comments false -o dist/guidepost.js
# The ESM entry for bundlers (`import { Guidepost } from "guidepost"`): the same bundle,
# told where its wasm is by `import.meta.url`, exporting the API the bundle puts on window.
{
  echo 'const __gp_wasm_url = new URL("guidepost_bg.wasm", import.meta.url).href;'
  cat dist/guidepost.js
  echo 'export const Guidepost = window.Guidepost; export default Guidepost;'
} > dist/guidepost.mjs
cp crates/web/js/guidepost.d.ts dist/guidepost.d.ts
cp crates/web/js/snippet.html dist/snippet.html

js=$(wc -c < dist/guidepost.js); wasm=$(wc -c < dist/guidepost_bg.wasm)
jsgz=$(gzip -9c dist/guidepost.js | wc -c); wasmgz=$(gzip -9c dist/guidepost_bg.wasm | wc -c)
total=$((jsgz + wasmgz))
printf 'bundle: guidepost.js %d B (%d B gz), guidepost_bg.wasm %d B (%d B gz), total %.1f KB gz (budget 100 KB)\n' \
  "$js" "$jsgz" "$wasm" "$wasmgz" "$(echo "$total/1024" | bc -l)"
if [ "$total" -gt 102400 ]; then
  echo "warning: the bundle is over the 100 KB gzipped budget (see BENCHMARKS.md)" >&2
fi
