#!/usr/bin/env bash
# jformer against PyTorch (training step and forward pass) and onnxruntime (forward pass), on this machine, in one
# run: same models, same batch and sequence length, same thread count. Prints one table of medians and ratios.
#
# usage: scripts/bench-vs-torch.sh
#   BENCH_MODELS   models to time (default: all-minilm-l6-v2 bert-base-uncased)
#   BENCH_THREADS  thread counts (default: 1 2)
#   BENCH_SEQS     sequence lengths for the scaling rows, at the largest thread count (default: 64 128 256 512)
#   BENCH_SCALING_MODELS  models for the scaling rows (default: all-minilm-l6-v2)
#   BENCH_REPEATS  timed runs per case, median reported (default: 5)
#   BENCH_FULL_LAST_LAYER  1 (default) also times jformer with its last layer for every token, as PyTorch runs it,
#                  at 128 tokens: the ratio without the [CLS]-only shortcut; 0 skips it
#   BENCH_ROUNDS   rounds per case (default: 1). Each round runs jformer and then PyTorch (and onnxruntime's
#                  comparison) in fresh processes; the table gives each side's median over rounds and the median
#                  of the rounds' ratios with their range. On a busy host, where speed drifts over minutes,
#                  3 or more rounds pair each jformer figure with a PyTorch figure taken moments later.
# Results: target/bench/<timestamp>/ holds each side's JSON lines and the table (table.md).
#
# Installs Debian's python3-torch and libopenblas0-pthread when they are missing (the PyTorch reference), and
# fetches the models with scripts/fetch.sh. PyTorch runs with OMP_WAIT_POLICY=PASSIVE and OPENBLAS_NUM_THREADS set
# to the thread count, its fastest configuration here (see run_case). OpenBLAS tuning variables from the environment would skew PyTorch,
# so they are unset for the benchmark commands only; tests and CI never unset them.
set -euo pipefail
cd "$(dirname "$0")/.."

models=(${BENCH_MODELS:-all-minilm-l6-v2 bert-base-uncased})
threads=(${BENCH_THREADS:-1 2})
seqs=(${BENCH_SEQS:-64 128 256 512})
scaling_models=(${BENCH_SCALING_MODELS:-all-minilm-l6-v2})
repeats=${BENCH_REPEATS:-5}
full_last_layer=${BENCH_FULL_LAST_LAYER:-1}
rounds=${BENCH_ROUNDS:-1}
batch=16
max_threads=${threads[-1]}
python=/usr/bin/python3
out="target/bench/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"

need=()
"$python" -c 'import torch' 2>/dev/null || need+=(python3-torch)
dpkg -s libopenblas0-pthread >/dev/null 2>&1 || need+=(libopenblas0-pthread)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]} (the PyTorch reference) ..." >&2
  sudo_cmd=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)
  $sudo_cmd apt-get install -y -q "${need[@]}" >&2
fi

fetch=()
for m in "${models[@]}" "${scaling_models[@]}"; do
  case "$m" in
    all-minilm-l6-v2) fetch+=(minilm) ;;
    bert-base-uncased) fetch+=(bert-base) ;;
    bge-small-en-v15) fetch+=(bge) ;;
    *) echo "bench-vs-torch: unknown model $m" >&2; exit 2 ;;
  esac
done
scripts/fetch.sh $(printf '%s\n' "${fetch[@]}" | sort -u) >/dev/null
cache="${JFORMER_CACHE:-$HOME/.cache/jformer}"

# One case on both sides, $rounds times. jformer first: it converts the model into the Hugging Face directory
# PyTorch reads. With full=1 jformer also runs with its last layer for every token, just before PyTorch.
run_case() {
  local model=$1 t=$2 seq=$3 warmup=$4 full=$5 round
  for round in $(seq "$rounds"); do
    jformer_bench "$model" "$t" "$seq" "$warmup" >>"$out/jformer.jsonl"
    if [ "$full" = 1 ]; then
      jformer_bench "$model" "$t" "$seq" "$warmup" --last-layer-all-tokens >>"$out/jformer-full-last-layer.jsonl"
    fi
    torch_bench "$model" "$t" "$seq"
  done
}

jformer_bench() {
  local model=$1 t=$2 seq=$3 warmup=$4
  shift 4
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ./jformer bench --model "$model" --threads "$t" --batch $batch \
    --seq "$seq" --warmup "$warmup" --repeats "$repeats" "$@" 2>/dev/null | grep '^{' | tail -1
}

torch_bench() {
  local model=$1 t=$2 seq=$3
  # PyTorch at its best on these cores: with the default OMP_WAIT_POLICY its OpenMP threads spin while
  # OpenBLAS's own threads multiply, and two threads ran slower than one (MiniLM train 10.2 vs 15.6 seq/s).
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS="$t" OPENBLAS_NUM_THREADS="$t" \
    OMP_WAIT_POLICY=PASSIVE "$python" scripts/reference/torch_bench.py \
    --model "$cache/hf/$model" --threads "$t" --batch $batch --seq "$seq" --warmup 3 --repeats "$repeats" \
    >>"$out/pytorch.jsonl"
}

for m in "${models[@]}"; do
  for t in "${threads[@]}"; do
    echo "timing $m, $t thread(s), $batch x 128 ..." >&2
    run_case "$m" "$t" 128 5 "$full_last_layer"
  done
done
for m in "${scaling_models[@]}"; do
  for s in "${seqs[@]}"; do
    [ "$s" = 128 ] && [[ " ${models[*]} " == *" $m "* ]] && continue
    echo "timing $m, $max_threads thread(s), $batch x $s ..." >&2
    run_case "$m" "$max_threads" "$s" 3 0
  done
done

# onnxruntime (Java, CPU, all graph optimisations) on the ONNX exports in the cache: forward passes only.
mvn -B -q -DskipTests install >/dev/null
mvn -B -q -pl bert test-compile >/dev/null
mvn -B -q -pl bert dependency:build-classpath -Dmdep.outputFile="$PWD/$out/bert.cp" >/dev/null
for m in "${models[@]}"; do
  [ -f "$cache/models/$m/model.onnx" ] || continue
  for t in "${threads[@]}"; do
    echo "timing $m against onnxruntime, $t thread(s) ..." >&2
    for round in $(seq "$rounds"); do
      env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE java --add-modules jdk.incubator.vector -XX:+UseParallelGC \
        -XX:MaxNewSize=128m -cp "bert/target/test-classes:bert/target/classes:$(cat "$out/bert.cp")" \
        io.jformer.bert.EncodeThroughput "$m" $batch 128 "$t" 2>/dev/null | grep '^{' >>"$out/onnxruntime.jsonl"
    done
  done
done

"$python" - "$out" <<'PY' | tee "$out/table.md"
import collections
import json
import os
import platform
import statistics
import sys

out = sys.argv[1]

def load(name):
    """Rows by (model, threads, seq), in the order the rounds ran."""
    path = os.path.join(out, name)
    rows = collections.defaultdict(list)
    if os.path.exists(path):
        for line in open(path):
            if line.strip():
                r = json.loads(line)
                rows[(r["model"], r["threads"], r["seq"])].append(r)
    return rows

def med(rows, field):
    return statistics.median(r[field] for r in rows)

def ratio(num, den, field_num, field_den=None):
    """Median of the rounds' ratios (each round's two processes ran back to back), with their range."""
    rs = [n[field_num] / d[field_den or field_num] for n, d in zip(num, den)]
    m = statistics.median(rs)
    return f"{m:.2f}" if len(rs) == 1 else f"{m:.2f} ({min(rs):.2f}-{max(rs):.2f})"

ours = load("jformer.jsonl")
torch = load("pytorch.jsonl")
rounds = max((len(v) for v in ours.values()), default=1)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.machine())
print(f"Machine: {cpu}, {os.cpu_count()} cores. Batch 16; {rounds} round(s) per case, each side's median of "
      f"{os.environ.get('BENCH_REPEATS', '5')} timed runs per round; seq/s = median over rounds; ratio = PyTorch "
      f"time / jformer time (above 1: jformer faster), the median of the rounds' ratios (their range in brackets); "
      f"RSS = peak resident memory of the process.\n")
print("| model | threads | seq | train seq/s jformer | PyTorch | ratio | forward seq/s jformer | PyTorch | ratio "
      "| peak RSS MB jformer | PyTorch |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for k in sorted(ours, key=lambda k: (k[0], k[2], k[1])):
    j, p = ours[k], torch.get(k)
    if not p:
        continue
    print(f"| {k[0]} | {k[1]} | {k[2]} | {med(j, 'train_seq_per_s'):.2f} | {med(p, 'train_seq_per_s'):.2f} | "
          f"{ratio(p, j, 'train_step_s')} | {med(j, 'fwd_seq_per_s'):.1f} | {med(p, 'fwd_seq_per_s'):.1f} | "
          f"{ratio(p, j, 'fwd_s')} | {med(j, 'peak_rss_mb'):.0f} | {med(p, 'peak_rss_mb'):.0f} |")
full = load("jformer-full-last-layer.jsonl")
if full:
    print("\nThe same cases with jformer's last layer run for every token, as PyTorch runs it (`--last-layer-all-tokens`):\n")
    print("| model | threads | seq | train seq/s jformer | ratio | forward seq/s jformer | ratio |")
    print("|---|---|---|---|---|---|---|")
    for k, j in full.items():
        p = torch.get(k)
        if not p:
            continue
        print(f"| {k[0]} | {k[1]} | {k[2]} | {med(j, 'train_seq_per_s'):.2f} | {ratio(p, j, 'train_step_s')} | "
              f"{med(j, 'fwd_seq_per_s'):.1f} | {ratio(p, j, 'fwd_s')} |")
ort = load("onnxruntime.jsonl")
if ort:
    print("\n| model | threads | seq | forward seq/s jformer | onnxruntime | ratio |")
    print("|---|---|---|---|---|---|")
    for k, rs in ort.items():
        b = rs[0]["batch"]
        print(f"| {k[0]} | {k[1]} | {k[2]} | {b / med(rs, 'jformer_fwd_s'):.1f} | {b / med(rs, 'onnxruntime_fwd_s'):.1f} | "
              f"{ratio(rs, rs, 'onnxruntime_fwd_s', 'jformer_fwd_s')} |")
PY
echo "results in $out" >&2
