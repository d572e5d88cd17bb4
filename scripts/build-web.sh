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
  || [ ! -f node_modules/react-router-dom/dist/umd/react-router-dom.production.min.js ] || [ ! -x node_modules/.bin/tsc ] \
  || [ ! -f node_modules/vite/package.json ] || [ ! -f node_modules/webpack/package.json ] || [ ! -f node_modules/esbuild/package.json ] \
  || [ ! -f node_modules/@hotwired/turbo/package.json ] || [ ! -f node_modules/@mui/material/package.json ] || [ ! -f node_modules/@headlessui/react/package.json ] \
  || [ ! -f node_modules/element-plus/dist/index.full.min.js ] || [ ! -f node_modules/vue/dist/vue.global.prod.js ] \
  || [ ! -f node_modules/vuetify/dist/vuetify.min.js ] || [ ! -f node_modules/antd/package.json ]; then
  npm install --no-audit --no-fund
fi

# Three wasm modules (see ARCHITECTURE.md, "Lean loading"): the decision module inlined
# in guidepost.js, the overlay and the author module as ES modules the loader imports on
# demand.
cargo build -p guidepost-web -p guidepost-overlay -p guidepost-author --release --target wasm32-unknown-unknown
out=target/wasm-bindgen
rm -rf "$out" && mkdir -p "$out" dist
rel=target/wasm32-unknown-unknown/release
bindgen_opt $rel/guidepost_web.wasm "$out" guidepost
cp "$out/guidepost.opt.wasm" dist/guidepost_bg.wasm
for m in overlay author; do
  bindgen_opt "$rel/guidepost_$m.wasm" "$out" "guidepost-$m" web
  cp "$out/guidepost-$m.opt.wasm" "dist/guidepost-${m}_bg.wasm"
  node_modules/.bin/terser "$out/guidepost-$m.js" --module --compress passes=2 --mangle --comments false -o "dist/guidepost-$m.js"
done
# One function scope around the glue and the loader, so the host page gets `Guidepost` and
# nothing else (no global `wasm_bindgen`), then minified with terser (npm), keeping only the
# comments that tell bundlers to leave the loader's `import()` calls alone.
{ echo '(function () {'; cat "$out/guidepost.js" crates/web/js/loader.js; echo '})();'; } > "$out/bundle.js"
node_modules/.bin/terser "$out/bundle.js" --compress passes=2 --mangle --comments '/webpackIgnore|@vite-ignore/' -o dist/guidepost.js
# The ESM entry for bundlers (`import { Guidepost } from "guidepost"`): the same bundle,
# told where its files are by `import.meta.url` (in the form bundlers recognise as assets),
# exporting the API the bundle puts on window.
# A bundle whose format has no `import.meta` (esbuild's default, an IIFE, leaves it empty)
# makes `new URL` throw: the URLs are then left out, and the loader finds the files next to
# the script that runs it, instead of breaking the host's bundle.
{
  echo 'const __gp_urls = (() => { try { return {'
  for f in guidepost_bg.wasm guidepost-overlay.js guidepost-overlay_bg.wasm guidepost-author.js guidepost-author_bg.wasm; do
    echo "  \"$f\": new URL(\"$f\", import.meta.url).href,"
  done
  echo '}; } catch (_) { return {}; } })();'
  # Without a document (a server render; Deno defines `window` but no `document`) the bundle
  # does not run: the API is a stand-in.
  echo 'if (typeof document !== "undefined") {'
  cat dist/guidepost.js
  echo '}'
  sed "s/__GP_VERSION__/$(sed -n 's/^    version: "\(.*\)",$/\1/p' crates/web/js/loader.js)/" crates/web/js/server.js
  echo 'export const Guidepost = typeof document !== "undefined" ? window.Guidepost : __gp_server; export default Guidepost;'
} > dist/guidepost.mjs
# The types twice: `.d.mts` for the ESM entry (package.json's `exports`: TypeScript's node16
# and nodenext resolutions would read a `.d.ts` of this package as CommonJS), `.d.ts` for
# older resolutions and the script tag.
cp crates/web/js/guidepost.d.ts dist/guidepost.d.ts
cp crates/web/js/guidepost.d.ts dist/guidepost.d.mts
cp crates/web/js/snippet.html dist/snippet.html

# The budgets of issue #16, in gzipped bytes (gzip -9): what every page view downloads (the
# inline stub, guidepost.js and the decision module), what a page view that shows a guide
# downloads in all (plus the overlay module), and the author module apart (neither figure).
gz() { gzip -9c "$1" | wc -c; }
stub=$(gz crates/web/js/stub.js); js=$(gz dist/guidepost.js); wasm=$(gz dist/guidepost_bg.wasm)
ojs=$(gz dist/guidepost-overlay.js); owasm=$(gz dist/guidepost-overlay_bg.wasm)
ajs=$(gz dist/guidepost-author.js); awasm=$(gz dist/guidepost-author_bg.wasm)
first=$((stub + js + wasm)); shown=$((first + ojs + owasm)); author=$((ajs + awasm))
kb() { echo "scale=1; $1/1024" | bc; }
printf 'first load: stub %d + guidepost.js %d + guidepost_bg.wasm %d = %s KB gz (budget 40 KB)\n' "$stub" "$js" "$wasm" "$(kb $first)"
printf 'guide shown: + guidepost-overlay.js %d + guidepost-overlay_bg.wasm %d = %s KB gz in all (budget 110 KB)\n' "$ojs" "$owasm" "$(kb $shown)"
printf 'author module (in neither figure): guidepost-author.js %d + guidepost-author_bg.wasm %d = %s KB gz\n' "$ajs" "$awasm" "$(kb $author)"
[ "$first" -le 40960 ] || echo "warning: the first load is over its 40 KB gzipped budget (see BENCHMARKS.md)" >&2
[ "$shown" -le 112640 ] || echo "warning: a page view with a guide is over its 110 KB gzipped budget (see BENCHMARKS.md)" >&2
