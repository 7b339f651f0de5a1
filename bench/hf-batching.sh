#!/usr/bin/env bash
# Aggregate decode throughput of engine-djl and engine-onnx at 1, 2, 4 and 8 concurrent streams, each engine called
# directly through the SPI as the node calls it, on the same generated F32 model (TinyLlamaConfig.benchmark(), ~104M
# parameters, end of sequence never chosen), distinct prompts, greedy, 128 tokens per stream, in one JVM. Prints
# tokens/s over all streams, the ratio to one stream, and whether every stream's text equals its text alone.
#
# Usage: bench/hf-batching.sh [--engines djl,onnx,onnx-gqa] [--streams 1,2,4,8] [--tokens 128] [--threads N]
#                             [--runs 2] [--onnx-spin true|false]
#   onnx: the Optimum-style graph (batches sequences of equal length only); onnx-gqa: the graph with ONNX Runtime's
#   GroupQueryAttention, as ORT GenAI writes decoders (batches any). Models (~400 MB each) are written once to
#   engine-hf-common/target/bench-batching.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/jdk.sh

mvn -B -q -DskipTests -pl engine-hf-common,engine-djl,engine-onnx -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
CP="engine-hf-common/target/test-classes:engine-djl/target/classes:engine-onnx/target/classes"
CP="$CP:$(cat engine-hf-common/target/bench.classpath):$(cat engine-djl/target/bench.classpath)"
CP="$CP:$(cat engine-onnx/target/bench.classpath)"
# The class path goes through the environment: ONNX Runtime 1.29 crashes when the command line passes ~4 KB.
CLASSPATH="$CP" exec "$JAVA_HOME/bin/java" -Xmx4g --enable-native-access=ALL-UNNAMED \
  -Djava.util.logging.config.file=conf/logging-test.properties \
  dev.llmlb.engine.hf.BatchingBenchmark --work engine-hf-common/target/bench-batching "$@"
