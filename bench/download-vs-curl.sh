#!/usr/bin/env bash
# The node's pull against curl on the same URL, in one run, each case with a fake hub in a JVM of its own (302 to a
# CDN on another address, as HuggingFace does) and a fresh node:
#   1. capped: the hub caps each connection at CAP bytes/s, as CDNs do. curl's single stream vs the node's pull
#      (LLMLB_DOWNLOAD_CONNECTIONS ranged connections, default 8). Goal: node at least 3x faster.
#   2. uncapped, loopback: curl; curl + sha256sum + sync (what a pull does: download, verify, flush); the node.
#      Prints node/curl and node/(curl + sha256sum + sync) as speed ratios (above 1: the node is faster), and the
#      node's memory before and at peak.
# The node's time runs from POST /v0/models/{id}/pull to the status "completed" (verification, fsync and the move
# included). Usage: bench/download-vs-curl.sh [capped_mb=110] [uncapped_mib=1024] [cap_bytes_per_second=16000000]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/jdk.sh
CAPPED_MB="${1:-110}"
UNCAPPED_MIB="${2:-1024}"
CAP="${3:-16000000}"
WORK="$(mktemp -d /tmp/llmlb-bench-XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

[[ -x dist/target/llmlb-node/bin/llmlb-node ]] || mvn -B -q -DskipTests package -pl dist -am
[[ -d testkit/target/classes ]] || mvn -B -q -DskipTests -pl testkit -am compile
CP="testkit/target/classes:api/target/classes"

# start_hub FILE [CAP]: a fake hub serving FILE as bench/big/big.gguf; sets HUB and HUB_PID.
start_hub() {
  local endpoint="$WORK/endpoint.$RANDOM" cap=()
  [[ -n "${2:-}" ]] && cap=(--cap-each-connection "$2")
  "$JAVA_HOME/bin/java" -cp "$CP" dev.llmlb.testkit.hub.FakeHubMain --lfs bench/big big.gguf "$1" "${cap[@]}" \
    --endpoint-file "$endpoint" > "$WORK/hub.log" 2>&1 &
  HUB_PID=$!
  PIDS+=("$HUB_PID")
  for _ in $(seq 1 150); do [[ -s "$endpoint" ]] && break; sleep 0.2; done
  HUB="$(cat "$endpoint")"
}

# pull PORT ID: POST /v0/models/ID/pull, then polls its status until it settles; sets SECONDS_TAKEN.
pull() {
  local start end
  start=$(date +%s.%N)
  curl -sS -X POST -H "Authorization: Bearer sk_debug" "http://127.0.0.1:$1/v0/models/$2/pull" > /dev/null
  until curl -sS -H "Authorization: Bearer sk_debug" "http://127.0.0.1:$1/v0/models/$2/status" \
      | grep -q '"status":"\(completed\|local\|error\)"'; do sleep 0.05; done
  end=$(date +%s.%N)
  SECONDS_TAKEN=$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')
  if curl -sS -H "Authorization: Bearer sk_debug" "http://127.0.0.1:$1/v0/models/$2/status" \
      | grep -q '"status":"error"'; then
    echo "the node's download failed:"; tail -5 "$NODE_LOG"; exit 1
  fi
}

# node_pull FILE: a fresh node against $HUB pulls big.gguf (its JVM cold: the first pull after a start), then the
# same file again as another model (JVM warm); sets NODE_SECONDS, WARM_SECONDS, RSS_BEFORE, RSS_PEAK (kB).
node_pull() {
  local home="$WORK/home.$RANDOM" bytes
  bytes=$(stat -c %s "$1")
  mkdir -p "$home"
  cat > "$home/supported_models.json" <<JSON
{"models": [{"id": "big", "name": "big", "source": "hf_gguf", "repo_id": "bench/big",
  "artifacts": [{"filename": "big.gguf", "size_bytes": $bytes}]},
  {"id": "again", "name": "again", "source": "hf_gguf", "repo_id": "bench/big",
  "artifacts": [{"filename": "big.gguf", "size_bytes": $bytes}]}]}
JSON
  LLMLB_HOME="$home" LLMLB_PORT=0 HF_ENDPOINT="$HUB" dist/target/llmlb-node/bin/llmlb-node > "$home/node.log" 2>&1 &
  local node_pid=$!
  PIDS+=("$node_pid")
  for _ in $(seq 1 300); do grep -q "listening on" "$home/node.log" && break; sleep 0.2; done
  local port java_pid
  NODE_LOG="$home/node.log"
  port=$(grep -o "listening on http://[^:]*:[0-9]*" "$home/node.log" | grep -o "[0-9]*$")
  java_pid=$(pgrep -P "$node_pid" java || echo "$node_pid")
  RSS_BEFORE=$(awk '/VmRSS/ {print $2}' "/proc/$java_pid/status")
  pull "$port" big
  NODE_SECONDS=$SECONDS_TAKEN
  RSS_PEAK=$(awk '/VmHWM/ {print $2}' "/proc/$java_pid/status")
  pull "$port" again
  WARM_SECONDS=$SECONDS_TAKEN
  kill "$node_pid"
  wait "$node_pid" 2>/dev/null || true
  rm -rf "$home"
}

seconds() { awk -v a="$1" -v b="$2" 'BEGIN {print b - a}'; }

echo "== capped: ${CAPPED_MB} MB, each connection at most $CAP bytes/s =="
head -c $((CAPPED_MB * 1000 * 1000)) /dev/urandom > "$WORK/capped.gguf"
start_hub "$WORK/capped.gguf" "$CAP"
URL="$HUB/bench/big/resolve/main/big.gguf"
CURL_CAPPED=$(curl -sSL -o "$WORK/curl.out" -w '%{time_total}' "$URL")
rm -f "$WORK/curl.out"
node_pull "$WORK/capped.gguf"
NODE_CAPPED=$NODE_SECONDS
WARM_CAPPED=$WARM_SECONDS
kill "$HUB_PID"
rm -f "$WORK/capped.gguf"

echo "== uncapped loopback: ${UNCAPPED_MIB} MiB =="
head -c $((UNCAPPED_MIB * 1024 * 1024)) /dev/urandom > "$WORK/big.gguf"
BYTES=$(stat -c %s "$WORK/big.gguf")
start_hub "$WORK/big.gguf"
URL="$HUB/bench/big/resolve/main/big.gguf"
CURL=$(curl -sSL -o "$WORK/curl.out" -w '%{time_total}' "$URL")
rm -f "$WORK/curl.out"
sync
START=$(date +%s.%N)
curl -sSL -o "$WORK/curl.out" "$URL"
sha256sum "$WORK/curl.out" > /dev/null
sync "$WORK/curl.out"
CURL_FULL=$(seconds "$START" "$(date +%s.%N)")
rm -f "$WORK/curl.out"
node_pull "$WORK/big.gguf"

awk -v cb="$((CAPPED_MB * 1000 * 1000))" -v cc="$CURL_CAPPED" -v nc="$NODE_CAPPED" -v wc="$WARM_CAPPED" \
    -v cap="$CAP" -v b="$BYTES" -v c="$CURL" -v cf="$CURL_FULL" -v n="$NODE_SECONDS" -v w="$WARM_SECONDS" \
    -v r0="$RSS_BEFORE" -v r1="$RSS_PEAK" 'BEGIN {
  printf "capped (%.0f MB, %.0f MB/s per connection):\n", cb / 1e6, cap / 1e6
  printf "  curl: %.2f s  %.1f MB/s\n", cc, cb / cc / 1e6
  printf "  node, first pull: %.2f s  %.1f MB/s\n", nc, cb / nc / 1e6
  printf "  node, second pull: %.2f s  %.1f MB/s\n", wc, cb / wc / 1e6
  printf "  node/curl: %.2fx first pull, %.2fx second (goal: at least 3x)\n", cc / nc, cc / wc
  printf "uncapped (%.0f MiB, loopback):\n", b / 1048576
  printf "  curl:                      %.2f s  %.0f MB/s\n", c, b / c / 1e6
  printf "  curl + sha256sum + sync:   %.2f s  %.0f MB/s\n", cf, b / cf / 1e6
  printf "  node, first pull:          %.2f s  %.0f MB/s\n", n, b / n / 1e6
  printf "  node, second pull:         %.2f s  %.0f MB/s\n", w, b / w / 1e6
  printf "  node/curl: %.2fx first, %.2fx second\n", c / n, c / w
  printf "  node/(curl + sha256sum + sync): %.2fx first, %.2fx second\n", cf / n, cf / w
  printf "  node RSS: %.0f MB before, %.0f MB at peak (first pull)\n", r0 / 1024, r1 / 1024
}'
