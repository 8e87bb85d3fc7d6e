#!/usr/bin/env bash
# GPU acceptance check for jformer's CUDA backend, for a bare GPU machine (no Maven, no network, no Java):
#   1. every kernel against the CPU backend, then each kernel's throughput against the H200's ceilings and,
#      where `import torch` works, PyTorch (io.jformer.kernels.GpuCheck);
#   2. `jformer check-device`: all-MiniLM-L6-v2's shape (random weights) forward, every gradient, with and
#      without dropout, and 20 AdamW steps on the GPU in F32 against the CPU; then the same with the GPU in
#      fp16 mixed precision, training 200 steps, with the loss scale's history;
#   3. `jformer bench --device cuda` training and forward rows, F32 and mixed precision: MiniLM and bert-base,
#      batch 16 x 128 and x 512; beside each, PyTorch's (scripts/reference/torch_bench.py) where `import torch`
#      finds CUDA, and the ratio.
#
#   scripts/gpu-check.sh --prepare   on a build machine (Maven, JDK 17): builds the jars, a jlinked Java runtime
#                                    and the two models' config.json into one folder to carry to the GPU machine
#                                    (kernels/target/gpu-check, under 64 MiB).
#   scripts/gpu-check.sh [--no-bench] on the GPU machine (--no-bench: step 1's kernel checks and step 2 only).
#
# Exit status: 0 all checks passed; 1 a kernel or the model mismatched (or a benchmark failed); 2 no usable GPU;
# 3 the prepared folder is missing. JFORMER_GPU_BUNDLE overrides the folder; JAVA overrides the java binary;
# GPU_CHECK_STEP_TIMEOUT (seconds, default 300) bounds each step, so one hung kernel cannot eat the rest;
# GPU_CHECK_JAVA_OPTS adds JVM options (a flight recording, say).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bundle="${JFORMER_GPU_BUNDLE:-$root/kernels/target/gpu-check}"

if [[ "${1:-}" == "--prepare" ]]; then
    cd "$root"
    mvn -B -q -pl train -am install -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true
    rm -rf "$bundle"
    mkdir -p "$bundle/lib" "$bundle/models/minilm" "$bundle/models/bert-base"
    cp train/target/jformer-train-*-SNAPSHOT.jar "$bundle/lib/"
    rm -f "$bundle"/lib/*-sources.jar "$bundle"/lib/*-javadoc.jar
    # train's runtime class path: every module, JCuda (through the optional jformer-kernels) and the CLI's libraries.
    mvn -B -q -pl train dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$bundle/lib"
    # Only the shapes matter for steps 2 and 3 (random weights), so no weights travel.
    cat > "$bundle/models/minilm/config.json" <<'JSON'
{"model_type": "bert", "vocab_size": 30522, "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
 "intermediate_size": 1536, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
 "max_position_embeddings": 512, "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12}
JSON
    cat > "$bundle/models/bert-base/config.json" <<'JSON'
{"model_type": "bert", "vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
 "intermediate_size": 3072, "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
 "max_position_embeddings": 512, "type_vocab_size": 2, "initializer_range": 0.02, "layer_norm_eps": 1e-12}
JSON
    # The JDK 17 that compiled the classes; jlink needs its jmods. jdk.jfr (1 MB) lets a run be profiled on the
    # GPU machine: GPU_CHECK_JAVA_OPTS=-XX:StartFlightRecording=filename=/tmp/x.jfr,settings=profile
    jdk="${JLINK_JDK:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"
    "$jdk/bin/jlink" --add-modules java.base,java.logging,jdk.incubator.vector,jdk.unsupported,jdk.jfr \
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
limit="${GPU_CHECK_STEP_TIMEOUT:-300}"
# shellcheck disable=SC2206 # extra JVM options are words on purpose
jvm=("$java" --add-modules jdk.incubator.vector -Xss4m -Xmx16g ${GPU_CHECK_JAVA_OPTS:-} -cp "$bundle/lib/*")
status=0
rows=""
step() { # step NAME command...: runs one step under the time limit, remembers a failure, goes on; the
         # output is also appended to $rows when that is set
    local name=$1 rc=0
    shift
    echo "=== $name"
    if [[ -n "$rows" ]]; then
        timeout "$limit" "$@" | tee -a "$rows" || rc=${PIPESTATUS[0]}
    else
        timeout "$limit" "$@" || rc=$?
    fi
    if [[ $rc -eq 124 ]]; then echo "=== $name: timed out after ${limit}s"; fi
    if [[ $rc -ne 0 ]]; then echo "=== $name: exit $rc"; status=1; fi
    return $rc
}
bench=1
[[ "${1:-}" == "--no-bench" ]] && bench=0
rc=0
step "kernels" "${jvm[@]}" io.jformer.kernels.GpuCheck "$@" || rc=$?
[[ $rc -eq 2 ]] && exit 2
cli=("${jvm[@]}" io.jformer.train.cli.Main)
step "model on the GPU in F32 against the CPU" "${cli[@]}" check-device --model "$bundle/models/minilm" \
    --random-weights --device cuda || true
step "model on the GPU in mixed precision against the CPU in F32" "${cli[@]}" check-device \
    --model "$bundle/models/minilm" --random-weights --device cuda --amp --batch 8 --steps 200 || true
if [[ $bench -eq 1 ]]; then
    rows="$(mktemp)"
    torch_ok=0
    python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null && torch_ok=1
    # 10 warm-up steps: with 3, jformer's host side was still being JIT-compiled (bert-base at 128 tokens in
    # mixed precision: 61 ms a step after 3 + 5, 46 ms after 5 + 40).
    for m in minilm bert-base; do
        for t in 128 512; do
            for amp in "" --amp; do
                name="bench $m 16x$t ${amp:-f32}"
                step "$name" "${cli[@]}" bench --model "$bundle/models/$m" --random-weights --device cuda \
                    --batch 16 --seq "$t" --warmup 10 --repeats 20 $amp || true
                if [[ $torch_ok -eq 1 ]]; then
                    step "$name (PyTorch)" python3 "$root/scripts/reference/torch_bench.py" --model "$bundle/models/$m" \
                        --random-weights --device cuda --batch 16 --seq "$t" --warmup 10 --repeats 20 $amp || true
                fi
            done
        done
    done
    if [[ $torch_ok -eq 1 ]]; then
        python3 - "$rows" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
key = lambda r: (r["model"], r["seq"], bool(r.get("amp")))
ours = {key(r): r for r in rows if "impl" not in r}
torch = {key(r): r for r in rows if "impl" in r}
print("\ntraining step and forward pass, sequences per second (jformer / PyTorch; ratio > 1: jformer faster)")
print(f"{'model':10} {'seq':>4} {'precision':9} {'train jf':>9} {'torch':>9} {'ratio':>6} {'fwd jf':>9} {'torch':>9} {'ratio':>6}")
for k in sorted(ours):
    o, t = ours[k], torch.get(k)
    if t is None:
        continue
    print(f"{k[0]:10} {k[1]:4} {'amp' if k[2] else 'f32':9} {o['train_seq_per_s']:9.1f} {t['train_seq_per_s']:9.1f} "
          f"{o['train_seq_per_s'] / t['train_seq_per_s']:6.2f} {o['fwd_seq_per_s']:9.1f} {t['fwd_seq_per_s']:9.1f} "
          f"{o['fwd_seq_per_s'] / t['fwd_seq_per_s']:6.2f}")
PY
    fi
fi
exit $status
