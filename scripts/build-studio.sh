#!/usr/bin/env bash
# Builds Guidepost Studio and the in-app designer (crates/studio) into dist/studio/:
# cargo (wasm32, the `studio` profile) -> wasm-bindgen --target web (the pinned CLI).
# The Studio page (www/studio/index.html) imports dist/studio/studio.js; the embed loads the
# same module for the designer only through the collector's session-gated
# /v1/design/assets/ route. No size budget applies, so no wasm-opt pass.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
source scripts/wasm-pipeline.sh
ensure_wasm_tools
cargo build -p guidepost-studio --profile studio --target wasm32-unknown-unknown
mkdir -p dist/studio
wasm-bindgen --target web --no-typescript --out-dir dist/studio --out-name studio target/wasm32-unknown-unknown/studio/guidepost_studio.wasm
printf 'studio: studio.js %d B, studio_bg.wasm %d B (%d B gz)\n' "$(wc -c < dist/studio/studio.js)" \
  "$(wc -c < dist/studio/studio_bg.wasm)" "$(gzip -9c dist/studio/studio_bg.wasm | wc -c)"
