#!/usr/bin/env bash
# Collector tests that are not plain `cargo test`: the ClickHouse store against a real
# clickhouse-server (Debian package, started by the test on loopback ports with a
# throw-away config, no system service), and the dashboard in headless Chromium.
# Installs what it needs on a fresh Debian machine; fast when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"

need=()
[ -x /usr/sbin/clickhouse-server ] || need+=(clickhouse-server)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v node >/dev/null || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "== apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
if [ ! -d node_modules/playwright-core ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

echo "== ClickHouse store against a real clickhouse-server"
# Each test starts its own clickhouse-server: three at a time on this 2-core machine.
GUIDEPOST_REQUIRE_CLICKHOUSE=1 cargo test -p guidepost-collector --test clickhouse -- --test-threads=3

echo "== dashboard in headless Chromium"
cargo build -q -p guidepost-collector --bin guidepost
GUIDEPOST_BIN="$PWD/target/debug/guidepost" node --test --test-timeout=90000 --test-concurrency=1 tests/e2e/dashboard.test.mjs

if [ "${GUIDEPOST_BENCH:-0}" = 1 ]; then
  echo "== collector benchmarks"
  cargo bench -p guidepost-collector --bench collector
fi
echo "== collector suites passed"
