#!/usr/bin/env bash
# Runs every test: Rust unit/property/integration tests, then the browser and
# collector suites (each script installs what it needs on a fresh machine).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
export CARGO_TERM_COLOR=never

echo "== style gates: cargo fmt --check, cargo clippy -D warnings (native and wasm32)"
rustup component add rustfmt clippy >/dev/null 2>&1 || true
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || true
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p guidepost-web -p guidepost-dom -p guidepost-overlay -p guidepost-author --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo clippy -p guidepost-studio --target wasm32-unknown-unknown -- -D warnings

echo "== cargo test --workspace (includes the tidy checks and the fuzz suite)"
cargo test --workspace

for suite in scripts/test-collector.sh scripts/test-web.sh scripts/test-wasm.sh; do
  if [ -f "$suite" ]; then
    echo "== $suite"
    bash "$suite"
  fi
done

if [ "${GUIDEPOST_BENCH:-0}" = 1 ]; then
  echo "== core benchmark"
  cargo bench -p guidepost-core --bench targeting -- --quick
fi
echo "== all tests passed"
