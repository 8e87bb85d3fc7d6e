#!/usr/bin/env bash
# Builds jformer, runs the JMH benchmarks of io.jformer.tensor.bench and compares the GEMM results with numpy.
#
# usage: scripts/bench.sh [BENCHMARK_REGEX] [extra JMH options...]
#   BENCHMARK_REGEX  JMH include pattern (default: every benchmark in io.jformer.tensor.bench)
#   BENCH_THREADS    worker threads for jformer (as -p threads=N) and numpy (default 2)
# Results: JMH's JSON in tensor/target/jmh-result.json, then one table of GFLOP/s for the GEMM shapes.
set -euo pipefail

cd "$(dirname "$0")/.."
regex="${1:-io\.jformer\.tensor\.bench\..*}"
shift || true
threads="${BENCH_THREADS:-2}"
result=tensor/target/jmh-result.json
classpath_file=tensor/target/bench-classpath.txt

# Only tensor (and the parent) is built: the benchmarks live there, and a half-finished module elsewhere
# should not stop them.
mvn -q -DskipTests -pl tensor -am install
mvn -q -pl tensor test-compile
mvn -q -pl tensor dependency:build-classpath -Dmdep.outputFile="$PWD/$classpath_file" >/dev/null

# OpenBLAS tuning variables from the environment would skew the numpy reference, so they are unset for the
# benchmark commands only (the JVM run too, so both see the same environment).
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
    java --add-modules jdk.incubator.vector \
    -cp "tensor/target/classes:tensor/target/test-classes:$(cat "$classpath_file")" \
    org.openjdk.jmh.Main "$regex" -p threads="$threads" -rf json -rff "$result" "$@"

numpy_out=$(mktemp)
trap 'rm -f "$numpy_out"' EXIT
if grep -q '"io.jformer.tensor.bench.GemmBenchmark' "$result"; then
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 scripts/bench_numpy.py --threads "$threads" >"$numpy_out"
fi

python3 - "$result" "$numpy_out" "$threads" <<'PY'
import json
import sys

result_file, numpy_file, threads = sys.argv[1:]
numpy = {}
with open(numpy_file) as f:
    for line in f:
        if line.startswith("shape "):
            _, shape, gflops = line.split()
            numpy[shape] = float(gflops)

def flops(shape):
    dims = [int(d) for d in shape.lstrip("tw").split("x")]
    total = 2.0
    for d in dims:
        total *= d
    return total

MS = {"ms/op": 1e-3, "us/op": 1e-6, "ns/op": 1e-9, "s/op": 1.0}
rows = []
others = []
for run in json.load(open(result_file)):
    name = run["benchmark"]
    metric = run["primaryMetric"]
    params = run.get("params", {})
    if name.startswith("io.jformer.tensor.bench.GemmBenchmark") and metric["scoreUnit"] in MS:
        shape = params["shape"]
        if not name.endswith(".gemm"):
            shape += " " + name.rsplit(".", 1)[-1]
        seconds = metric["scorePercentiles"]["50.0"] * MS[metric["scoreUnit"]]
        rows.append((shape, flops(shape.split()[0]) / seconds / 1e9, numpy.get(shape)))
    else:
        others.append((name.rsplit(".", 2)[-2] + "." + name.rsplit(".", 1)[-1],
                       ",".join(f"{k}={v}" for k, v in params.items()),
                       metric["scorePercentiles"]["50.0"], metric["scoreUnit"]))

if rows:
    print(f"\nGEMM, {threads} threads, median GFLOP/s")
    print(f"{'shape':<29} {'jformer':>9} {'numpy':>9} {'ratio':>7}")
    for shape, ours, theirs in rows:
        ratio = f"{ours / theirs:7.2f}" if theirs else "      -"
        theirs_text = f"{theirs:9.1f}" if theirs else "        -"
        print(f"{shape:<29} {ours:9.1f} {theirs_text} {ratio}")
# Bytes read + written per op of each KernelBenchmark method (its BYTES_PER_OP, which documents the traffic).
BYTES = {"softmaxForward": 25_165_824, "softmaxBackward": 37_748_736, "layerNormForward": 12_605_440,
         "layerNormBackward": 18_899_968, "geluForward": 50_331_648, "geluBackward": 75_497_472,
         "dropoutFused": 50_331_648, "dropoutStoredMask": 50_331_648, "adamwStep": 635_600_000}
if others:
    print(f"\nKernels, {threads} threads (median)")
    print(f"{'benchmark':<34} {'time':>12} {'GB/s':>8}")
    for name, params, score, unit in others:
        method = name.rsplit(".", 1)[-1]
        seconds = score * MS.get(unit, float("nan"))
        gbs = f"{BYTES[method] / seconds / 1e9:8.1f}" if method in BYTES else "       -"
        print(f"{name:<34} {score:9.3f} {unit:<5} {gbs}")
PY
