#!/usr/bin/env bash
# Browser tests: installs Chromium (Debian) and npm packages if missing, builds dist/, runs tests/e2e.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
bash scripts/build-web.sh
bash scripts/build-studio.sh
echo "== TypeScript types (tsc --strict on tests/types/usage.ts)"
node_modules/.bin/tsc --noEmit --strict --target es2020 --module es2020 --moduleResolution bundler --lib es2020,dom tests/types/usage.ts
# The dashboard's browser test runs in scripts/test-collector.sh.
node --test --test-timeout=90000 --test-concurrency=1 $(ls tests/e2e/*.test.mjs | grep -v dashboard.test.mjs)
