#!/usr/bin/env bash
# Embeddings per second of the real all-MiniLM-L6-v2 through the node's /v1/embeddings against LangChain4j's
# in-process AllMiniLmL6V2EmbeddingModel on the same ONNX file, 1 and 32 inputs per request, in one run.
# Usage: bench/embeddings.sh [rounds, default 3] [single inputs per round, default 96] [batched inputs, default 256]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/jdk.sh
mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
CP="it/target/test-classes:$(cat it/target/bench.classpath)"
# The class path goes through the environment: ONNX Runtime 1.29 (LangChain4j runs it in this JVM) crashes when the
# process's command line is longer than about 4 KB, and this class path alone is longer.
CLASSPATH="$CP" exec "$JAVA_HOME/bin/java" -Xmx3g --enable-native-access=ALL-UNNAMED \
  -Dllmlb.dist="$PWD/dist/target/llmlb-node" dev.llmlb.it.bench.EmbeddingBench "$@"
