#!/usr/bin/env bash
# Aggregate tokens/s of 1, 2, 4 and 8 concurrent streams through the node's HTTP API (the built distribution, a
# real node process, streaming, distinct prompts, greedy, 128 tokens each) for each engine on the same generated F32
# weights (GGUF for llamacpp, ONNX for onnx, safetensors for djl), beside the same engine plugin called directly
# with the same threads and sequences (a process with the plugin's own class path) and, for llama.cpp, beside
# java-llama.cpp itself with 4 slots and continuous batching. Prints, per engine, the ratios to one stream and
# HTTP/direct.
#
# Usage: bench/concurrent-streams.sh [--hidden 1024 --layers 8 --ffn 2816] [--threads 2] [--tokens 128]
#          [--streams 1,2,4,8] [--parallel 4] [--context 1024] [--engines llamacpp,onnx,djl]
#   The default shape is ~414 MB of F32 weights; --hidden 512 --layers 8 --ffn 1408 gives ~104 MB.
#   Models are written once per shape to it/target/bench-models (three formats, ~3x the GGUF size).
# Needs JDK 21+ and Maven; builds the distribution first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/jdk.sh

mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath

bench_cp() { # the test class path of an engine module, with the benchmark's own classes first
  echo "it/target/test-classes:$1/target/classes:$(cat "$1/target/bench.classpath")"
}
# java-llama.cpp deletes every llama*/jllama* file in its extraction folder: give it one of its own.
jllama_tmp="$(mktemp -d /tmp/llmlb-bench-jllama-XXXXXX)"
trap 'rm -rf "$jllama_tmp"' EXIT

"$JAVA_HOME/bin/java" -Xmx3g --enable-native-access=ALL-UNNAMED \
  -Djava.util.logging.config.file="$PWD/conf/logging-test.properties" \
  -Dde.kherud.llama.tmpdir="$jllama_tmp" \
  -Dllmlb.dist="$PWD/dist/target/llmlb-node" \
  -Dbench.cp.llamacpp="$(bench_cp engine-llamacpp)" \
  -Dbench.cp.onnx="$(bench_cp engine-onnx)" \
  -Dbench.cp.djl="$(bench_cp engine-djl)" \
  -cp "it/target/test-classes:$(cat it/target/bench.classpath)" \
  dev.llmlb.it.bench.ConcurrentStreamsBench "$@"
