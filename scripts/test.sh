#!/usr/bin/env bash
# Runs every test: fetches the real weights and data the parity tests use (cached, never committed), then the
# Maven test phase of every module. Uses whichever JDK JAVA_HOME (or the PATH) gives.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fetch.sh minilm bge e5 imdb >/dev/null
mvn -B test
