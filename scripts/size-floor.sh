#!/usr/bin/env bash
# Prints three size floors next to the real modules, each through the same pipeline as
# scripts/build-web.sh (cargo wasm32 release -> wasm-bindgen -> wasm-opt -Oz -> gzip -9):
#   core:   guidepost-core's entry points as one bundle called them (load and validate,
#           targeting with its trace, scheduling, the state machine, geometry, rich text,
#           the event log), without leptos, web-sys or the runtime;
#   decide: what the decision module needs of core alone (the lean reader, targeting
#           without traces, the scheduler, the state machine, persisted state);
#   leptos: the smallest leptos 0.8 CSR overlay in a shadow root that reads JSON.
# A measurement, not a test: CI does not run it. See BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-web.sh >/dev/null
# The floors build with the bundle's exact dependency versions.
cp Cargo.lock benches/size-floor/Cargo.lock
cargo build --manifest-path benches/size-floor/Cargo.toml --release --target wasm32-unknown-unknown --target-dir target
out=target/size-floor
source scripts/wasm-pipeline.sh
mkdir -p "$out"
gz() { gzip -9c "$1" | wc -c; }
for name in core decide leptos; do
  bindgen_opt "target/wasm32-unknown-unknown/release/guidepost_size_${name}.wasm" "$out" "$name"
  node_modules/.bin/terser "$out/$name.js" --compress --mangle -o "$out/$name.min.js"
  printf 'floor %-7s wasm %7d B (%6d B gz), js %6d B gz\n' "$name" \
    "$(wc -c < "$out/$name.opt.wasm")" "$(gz "$out/$name.opt.wasm")" "$(gz "$out/$name.min.js")"
done
for f in guidepost guidepost-overlay guidepost-author; do
  printf 'module %-18s wasm %7d B (%6d B gz), js %6d B gz\n' "$f" \
    "$(wc -c < "dist/${f}_bg.wasm")" "$(gz "dist/${f}_bg.wasm")" "$(gz "dist/$f.js")"
done
