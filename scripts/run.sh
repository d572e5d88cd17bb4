#!/usr/bin/env bash
# Runs the product on a fresh machine: builds the browser bundle and the collector, then
# serves the demo SaaS app, Guidepost Studio, the playground and the analytics dashboard with the collector
# (embedded SQLite database in data/guidepost.db) on http://127.0.0.1:8787.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
ADDR="${GUIDEPOST_ADDR:-127.0.0.1:8787}"
bash scripts/build-web.sh
bash scripts/build-studio.sh
cargo build -p guidepost-collector --profile release-native
mkdir -p data
# The example guides become drafts in the guide store and are published to both
# environments (an unchanged guide makes no new version, so restarts add nothing).
target/release-native/guidepost import --db data/guidepost.db --publish staging,production guides/*.json
cat <<MSG

  Studio:      http://$ADDR/studio/           (sign in with the admin key below)
  Demo app:    http://$ADDR/index.html        (switch persona in the header)
  Playground:  http://$ADDR/playground/
  Dashboard:   http://$ADDR/dashboard/?key=demo-read-key
  Write key: demo-write-key (production)   Staging write key: demo-staging-key
  Read key: demo-read-key   Admin key: demo-admin-key   Database: data/guidepost.db

MSG
exec target/release-native/guidepost serve --addr "$ADDR" --db data/guidepost.db --www www --dist dist --guides guides \
  --admin-key demo-admin-key --write-key demo-write-key --write-key demo-staging-key=staging
