#!/usr/bin/env bash
# The ClickHouse benchmark (crates/collector/benches/clickhouse.rs) against a throw-away
# clickhouse-server on loopback (Debian package; installed when missing). Prints figures,
# asserts no timings. CH_EVENTS (default 10,000,000) sets the size; the data directory
# is kept in target/ch-bench so that a second run reuses the loaded events.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
if [ ! -x /usr/sbin/clickhouse-server ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server >/dev/null
fi
dir="$PWD/target/ch-bench"
mkdir -p "$dir"/{data,tmp,log}
port=$((20000 + RANDOM % 20000))
tcp=$((port + 1))
cat >"$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/log/server.log</log><errorlog>$dir/log/err.log</errorlog><console>0</console></logger>
  <http_port>$port</http_port><tcp_port>$tcp</tcp_port><listen_host>127.0.0.1</listen_host>
  <path>$dir/data/</path><tmp_path>$dir/tmp/</tmp_path>
  <users_config>users.xml</users_config><default_profile>default</default_profile><default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
</yandex>
XML
cat >"$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>8000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
XML
/usr/sbin/clickhouse-server --config-file="$dir/config.xml" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 600); do
  curl -fs "http://127.0.0.1:$port/ping" >/dev/null 2>&1 && break
  kill -0 $server 2>/dev/null || { cat "$dir/log/err.log"; exit 1; }
  sleep 0.1
done
CLICKHOUSE_URL="http://127.0.0.1:$port" cargo bench -p guidepost-collector --bench clickhouse
