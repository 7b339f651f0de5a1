#!/usr/bin/env bash
# Downloads a 1 GiB file from the fake hub twice in one run: with curl, and with the node (POST /v0/models/{id}/pull,
# polled until complete). Prints both throughputs, the ratio node/curl, and the node's memory before and at peak.
# Usage: bench/download-vs-curl.sh [size_mib]   (builds the project first if needed)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/jdk.sh
SIZE_MIB="${1:-1024}"
WORK="$(mktemp -d /tmp/llmlb-bench-XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$WORK"' EXIT

[[ -x dist/target/llmlb-node/bin/llmlb-node ]] || mvn -B -q -DskipTests package
CP="testkit/target/classes:api/target/classes"
[[ -d testkit/target/classes ]] || mvn -B -q -DskipTests -pl testkit -am compile

echo "Writing a ${SIZE_MIB} MiB file of random bytes..."
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom > "$WORK/big.gguf"
BYTES=$(stat -c %s "$WORK/big.gguf")

"$JAVA_HOME/bin/java" -cp "$CP" dev.llmlb.testkit.hub.FakeHubMain --lfs bench/big big.gguf "$WORK/big.gguf" \
  --endpoint-file "$WORK/endpoint" > "$WORK/hub.log" 2>&1 &
for _ in $(seq 1 100); do [[ -s "$WORK/endpoint" ]] && break; sleep 0.2; done
HUB="$(cat "$WORK/endpoint")"
URL="$HUB/bench/big/resolve/main/big.gguf"

echo "curl..."
CURL_SECONDS=$(curl -sSL -o "$WORK/curl.out" -w '%{time_total}' "$URL")
rm -f "$WORK/curl.out"

mkdir -p "$WORK/home"
cat > "$WORK/home/supported_models.json" <<JSON
{"models": [{"id": "big", "name": "big", "source": "hf_gguf", "repo_id": "bench/big",
  "artifacts": [{"filename": "big.gguf", "size_bytes": $BYTES}]}]}
JSON
LLMLB_HOME="$WORK/home" LLMLB_PORT=0 HF_ENDPOINT="$HUB" dist/target/llmlb-node/bin/llmlb-node > "$WORK/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 1 150); do grep -q "listening on" "$WORK/node.log" && break; sleep 0.2; done
PORT=$(grep -o "listening on http://[^:]*:[0-9]*" "$WORK/node.log" | grep -o "[0-9]*$")
JAVA_PID=$(pgrep -P "$NODE_PID" java || echo "$NODE_PID")
RSS_BEFORE=$(awk '/VmRSS/ {print $2}' /proc/$JAVA_PID/status)

echo "node..."
START=$(date +%s.%N)
curl -sS -X POST -H "Authorization: Bearer sk_debug" "http://127.0.0.1:$PORT/v0/models/big/pull" > /dev/null
until curl -sS -H "Authorization: Bearer sk_debug" "http://127.0.0.1:$PORT/v0/models/big/status" \
    | grep -q '"status":"\(completed\|local\|error\)"'; do sleep 0.05; done
END=$(date +%s.%N)
NODE_SECONDS=$(awk -v a="$START" -v b="$END" 'BEGIN {print b - a}')
RSS_PEAK=$(awk '/VmHWM/ {print $2}' /proc/$JAVA_PID/status)
HEAP=$("$JAVA_HOME/bin/jcmd" "$JAVA_PID" GC.heap_info 2>/dev/null | grep -o "used [0-9]*K" | head -1 || true)
grep -q '"status":"error"' <(curl -sS -H "Authorization: Bearer sk_debug" "http://127.0.0.1:$PORT/v0/models/big/status") \
  && { echo "the node's download failed:"; tail -5 "$WORK/node.log"; exit 1; }

awk -v b="$BYTES" -v c="$CURL_SECONDS" -v n="$NODE_SECONDS" -v r0="$RSS_BEFORE" -v r1="$RSS_PEAK" -v h="$HEAP" 'BEGIN {
  printf "file:  %.0f MiB\n", b / 1048576
  printf "curl:  %.2f s  %.0f MB/s\n", c, b / c / 1e6
  printf "node:  %.2f s  %.0f MB/s (pull to completed, includes verification and the move)\n", n, b / n / 1e6
  printf "ratio: %.2f of curl\n", c / n
  printf "node RSS: %.0f MB before, %.0f MB peak; heap after: %s\n", r0 / 1024, r1 / 1024, h
}'
