#!/usr/bin/env bash
# Browser tests: installs Chromium (Debian) and npm packages if missing, builds dist/, runs tests/e2e.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
bash scripts/build-web.sh
node --test --test-concurrency=1 tests/e2e/
