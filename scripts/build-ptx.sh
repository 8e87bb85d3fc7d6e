#!/usr/bin/env bash
# Compiles the CUDA kernels of jformer-kernels (kernels/src/main/cuda/*.cu) to PTX with nvcc, ahead of time:
# JCuda's NVRTC does not work with CUDA 13, and PTX ISA 9.0 (what nvcc 13.0 emits for sm_90) is the newest a
# driver 580 JIT-compiles. The PTX is committed under kernels/src/main/resources/io/jformer/kernels/ptx and
# loaded at run time with cuModuleLoadData.
#
# usage: scripts/build-ptx.sh [OUT_DIR]     (default: the committed resource folder)
# A line "// nvcc-flags: ..." in a .cu file adds flags for that file (e.g. --fmad=false where results must
# round exactly like the CPU's). KernelPtxTest runs this into a temporary folder and compares.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
src="$root/kernels/src/main/cuda"
out="${1:-$root/kernels/src/main/resources/io/jformer/kernels/ptx}"
nvcc="${NVCC:-nvcc}"
mkdir -p "$out"
for cu in "$src"/*.cu; do
    name="$(basename "$cu" .cu)"
    flags="$(sed -n 's#^// nvcc-flags: ##p' "$cu" | head -1)"
    # shellcheck disable=SC2086 # flags are words on purpose
    "$nvcc" -ptx -arch=sm_90 -O3 $flags -I "$src" -o "$out/$name.ptx" "$cu"
done
