#!/usr/bin/env bash
# GPU acceptance check for jformer's CUDA backend (io.jformer.kernels.GpuCheck): every kernel against the CPU
# backend, then a throughput table against the H200's ceilings and, where `import torch` works, PyTorch.
#
#   scripts/gpu-check.sh --prepare   on a build machine (Maven, JDK 17): builds the jars and a jlinked Java
#                                    runtime into one folder to carry to the GPU machine
#                                    (kernels/target/gpu-check: runtime/ + lib/*.jar, under 64 MiB).
#   scripts/gpu-check.sh [--no-bench] on the GPU machine: no Maven, no network, no installed Java needed.
#
# Exit status: 0 all checks passed; 1 a kernel mismatched (or the benchmark failed); 2 no usable GPU;
# 3 the prepared folder is missing.
# JFORMER_GPU_BUNDLE overrides the folder; JAVA overrides the java binary.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bundle="${JFORMER_GPU_BUNDLE:-$root/kernels/target/gpu-check}"

if [[ "${1:-}" == "--prepare" ]]; then
    cd "$root"
    mvn -B -q -pl kernels -am install -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
    rm -rf "$bundle"
    mkdir -p "$bundle/lib"
    cp kernels/target/jformer-kernels-*.jar "$bundle/lib/"
    mvn -B -q -pl kernels dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$bundle/lib"
    # The JDK 17 that compiled the classes; jlink needs its jmods.
    jdk="${JLINK_JDK:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
    "$jdk/bin/jlink" --add-modules java.base,java.logging,jdk.incubator.vector,jdk.unsupported \
        --strip-debug --no-man-pages --no-header-files --compress=2 --output "$bundle/runtime"
    echo "prepared $bundle ($(du -sh "$bundle" | cut -f1)):"
    ls "$bundle/lib"
    exit 0
fi

if [[ ! -d "$bundle/lib" ]]; then
    echo "no prepared bundle at $bundle: run scripts/gpu-check.sh --prepare on a build machine and carry it" >&2
    exit 3
fi
java="${JAVA:-}"
if [[ -z "$java" ]]; then
    if [[ -x "$bundle/runtime/bin/java" ]]; then java="$bundle/runtime/bin/java"; else java="java"; fi
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
exec "$java" --add-modules jdk.incubator.vector -Xss4m -Xmx8g -cp "$bundle/lib/*" io.jformer.kernels.GpuCheck "$@"
