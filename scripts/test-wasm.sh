#!/usr/bin/env bash
# In-browser unit tests of the browser modules' DOM code: wasm-bindgen-test in headless
# Chromium, driven by Debian's chromedriver (browser_tests.rs in crates/dom, crates/overlay
# and crates/author; Chromium options in crates/web/webdriver.json). Installs what it needs on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  echo "== apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# wasm-bindgen-test-runner ships with wasm-bindgen-cli, which must match the crate exactly.
source scripts/wasm-pipeline.sh
ensure_wasm_tools

# The runner reads webdriver.json from the working directory.
cd crates/web
CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=120 \
  cargo test -p guidepost-dom -p guidepost-overlay -p guidepost-author --target wasm32-unknown-unknown --lib
