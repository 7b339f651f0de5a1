#!/usr/bin/env bash
# Tokens/s and time to first token through the node's HTTP API against the same engine called directly, on a
# generated ~100M-parameter model, single stream and 4 concurrent streams. Usage: bench/llm-http-vs-direct.sh
# [tokens per request, default 64] [threads, default all]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/jdk.sh
mvn -B -q -DskipTests package dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/bench.classpath
CP="it/target/test-classes:$(cat it/target/bench.classpath)"
exec "$JAVA_HOME/bin/java" -Xmx3g -Dllmlb.dist="$PWD/dist/target/llmlb-node" -cp "$CP" \
  dev.llmlb.it.bench.InferenceBench "$@"
