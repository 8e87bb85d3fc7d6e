#!/usr/bin/env python3
"""numpy (OpenBLAS) reference for the GEMM shapes of io.jformer.tensor.bench.GemmBenchmark.

Prints one line per shape: "shape <name> <GFLOP/s>" (median of several timed runs after warm-up), so that
scripts/bench.sh can put it beside jformer's figure. The thread count is fixed with threadpoolctl when it is
installed, otherwise through OPENBLAS_NUM_THREADS / OMP_NUM_THREADS, which must be set before numpy loads.
"""
import argparse
import os
import statistics
import sys
import time

# Shape names match GemmBenchmark's @Param values: "MxNxK" for one product, "BATCHxMxNxK" for a batch; a "t"
# prefix reads A transposed (a weight gradient), a "w" prefix B (a linear layer's forward X·W^T).
# Batched attention products use the same operand layouts as the engine: the scores product multiplies by
# a transposed view of K (B transposed), the context product by V as stored.
SHAPES = ["2048x768x768", "2048x768x3072", "2048x3072x768", "w2048x768x768", "w2048x3072x768", "w2048x768x3072",
          "192x128x128x64", "192x128x64x128", "t768x3072x2048", "t3072x768x2048"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--runs", type=int, default=15, help="timed runs per shape (median is reported)")
    p.add_argument("--warmup", type=int, default=5)
    return p.parse_args()


def operands(np, shape):
    transposed_a = shape.startswith("t")  # a weight gradient dY^T·X: A read through a transposed view
    weight = shape.startswith("w")  # a linear layer X·W^T: B is the weight W (n, k) read through a transposed view
    dims = [int(d) for d in shape.lstrip("tw").split("x")]
    rng = np.random.default_rng(42)
    if len(dims) == 3:
        m, n, k = dims
        if transposed_a:
            a = rng.standard_normal((k, m), dtype=np.float32).T
        else:
            a = rng.standard_normal((m, k), dtype=np.float32)
        if weight:
            b = rng.standard_normal((n, k), dtype=np.float32).T
        else:
            b = rng.standard_normal((k, n), dtype=np.float32)
        return a, b, 2.0 * m * n * k
    batch, m, n, k = dims
    a = rng.standard_normal((batch, m, k), dtype=np.float32)
    if k < n:  # scores: Q·K^T with K stored (batch, n, k)
        b = rng.standard_normal((batch, n, k), dtype=np.float32).transpose(0, 2, 1)
    else:
        b = rng.standard_normal((batch, k, n), dtype=np.float32)
    return a, b, 2.0 * batch * m * n * k


def median_gflops(np, shape, runs, warmup):
    a, b, flops = operands(np, shape)
    out = np.matmul(a, b)
    for _ in range(warmup):
        np.matmul(a, b, out=out)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        np.matmul(a, b, out=out)
        times.append(time.perf_counter() - t0)
    return flops / statistics.median(times) / 1e9


def describe_blas(np, limiter):
    if limiter is not None:
        for info in limiter.info():
            if info.get("user_api") == "blas":
                print(f"# BLAS: {info.get('internal_api')} {info.get('version')} "
                      f"core={info.get('architecture')} threads={info.get('num_threads')}", file=sys.stderr)
                return
    print(f"# numpy {np.__version__}; threadpoolctl not installed, BLAS details from numpy.show_config():",
          file=sys.stderr)
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        print(f"# BLAS: {blas.get('name')} {blas.get('version')}", file=sys.stderr)
    except Exception:  # older numpy: no dict mode
        np.show_config()
    core = os.environ.get("OPENBLAS_CORETYPE")
    print(f"# OPENBLAS_CORETYPE={core if core else '(unset: OpenBLAS detects the CPU)'}", file=sys.stderr)


def main():
    args = parse_args()
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.threads)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import numpy as np
    try:
        from threadpoolctl import threadpool_limits
        limiter = threadpool_limits(limits=args.threads, user_api="blas")
    except ImportError:
        limiter = None
    describe_blas(np, limiter)
    for shape in SHAPES:
        print(f"shape {shape} {median_gflops(np, shape, args.runs, args.warmup):.1f}")


if __name__ == "__main__":
    main()
