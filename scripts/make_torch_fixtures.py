#!/usr/bin/env python3
"""Writes the PyTorch reference fixtures that jformer's tests compare against.

PyTorch is the independent oracle: these values are computed by PyTorch (1.13, CPU, float32), never by jformer.
Run with Debian's interpreter, which has python3-torch:

    apt-get install -y python3-torch
    /usr/bin/python3 scripts/make_torch_fixtures.py

Outputs (committed, so CI needs no PyTorch):
    autograd/src/test/resources/fixtures/torch_composites.json
    tensor/src/test/resources/fixtures/half_floats.json
"""
import json
import math
import os

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
torch.manual_seed(20261129)
torch.set_num_threads(1)


def t(x):
    x = x.detach().to(torch.float32).contiguous()
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}


def ids(x):
    return {"shape": list(x.shape), "data": [int(v) for v in x.reshape(-1).tolist()]}


def leaf(*shape, scale=1.0):
    return (torch.randn(*shape) * scale).requires_grad_(True)


def case(inputs, output, grad_output, extra=None):
    output.backward(grad_output)
    out = {
        "inputs": {k: t(v) for k, v in inputs.items()},
        "output": t(output),
        "grad_output": t(grad_output),
        "grads": {k: t(v.grad) for k, v in inputs.items() if v.requires_grad},
    }
    if extra:
        out.update(extra)
    return out


def mlp_with_layer_norm():
    """y = LayerNorm(gelu(x·W1ᵀ + b1))·W2ᵀ + b2, exact (erf) GELU, eps 1e-12 as in BERT."""
    p = {"x": leaf(4, 6), "w1": leaf(8, 6, scale=0.5), "b1": leaf(8, scale=0.1),
         "gamma": (1 + 0.1 * torch.randn(8)).requires_grad_(True), "beta": leaf(8, scale=0.1),
         "w2": leaf(3, 8, scale=0.5), "b2": leaf(3, scale=0.1)}
    h = torch.nn.functional.gelu(p["x"] @ p["w1"].T + p["b1"])
    h = torch.nn.functional.layer_norm(h, (8,), p["gamma"], p["beta"], eps=1e-12)
    y = h @ p["w2"].T + p["b2"]
    return case(p, y, torch.randn_like(y))


def masked_attention():
    """BERT-style self-attention over a padded batch: 2 sequences of 5 tokens, 2 heads of size 4,
    additive mask -10000 on padding (the second sequence has 2 padding tokens)."""
    b, s, h, d = 2, 5, 2, 4
    hidden = h * d
    p = {"x": leaf(b, s, hidden), "wq": leaf(hidden, hidden, scale=0.4), "wk": leaf(hidden, hidden, scale=0.4),
         "wv": leaf(hidden, hidden, scale=0.4)}
    attention_mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]], dtype=torch.float32)
    additive = ((1.0 - attention_mask) * -10000.0)[:, None, None, :]

    def heads(w):
        return (p["x"] @ w.T).reshape(b, s, h, d).permute(0, 2, 1, 3)

    q, k, v = heads(p["wq"]), heads(p["wk"]), heads(p["wv"])
    scores = q @ k.transpose(-1, -2) / math.sqrt(d) + additive
    probs = torch.softmax(scores, dim=-1)
    ctx = (probs @ v).permute(0, 2, 1, 3).reshape(b, s, hidden)
    return case(p, ctx, torch.randn_like(ctx), {"mask": t(additive)})


def cross_entropy(reduction):
    """Fused log-softmax + NLL over 6 rows of 5 classes; one target is the ignore index -100."""
    logits = leaf(6, 5, scale=2.0)
    targets = torch.tensor([0, 4, 2, -100, 1, 4])
    loss = torch.nn.functional.cross_entropy(logits, targets, ignore_index=-100, reduction=reduction)
    grad = torch.randn_like(loss)
    return case({"logits": logits}, loss, grad, {"targets": ids(targets)})


def half_floats():
    """float32 values and their float16 (numpy) and bfloat16 (PyTorch) bit patterns, round to nearest even."""
    rng = np.random.default_rng(7)
    values = [rng.standard_normal(2000).astype(np.float32) * s for s in (1e-7, 1e-5, 1e-3, 1, 1e3, 6e4, 1e38)]
    special = np.array([0.0, -0.0, 65504, 65519.996, 65520, -65520, 1e6, 5.96e-8, 2.98e-8, 2.9802326e-08,
                        6.1035156e-05, 6.097555e-05, np.inf, -np.inf, 1 + 2**-11, 1 + 3 * 2**-11, 1 + 2**-8,
                        1 + 3 * 2**-8, 3.3895314e38], dtype=np.float32)
    # Exact midpoints between neighbouring halves (ties) and bf16 ties.
    halves = rng.integers(0, 0x7bff, 500).astype(np.uint16).view(np.float16).astype(np.float32)
    ties16 = (halves.astype(np.float64) * (1 + 2**-11)).astype(np.float32)
    bf = (rng.integers(0, 0x7f00, 500).astype(np.uint32) << 16).view(np.float32)
    ties_bf = (bf.view(np.uint32) | np.uint32(0x8000)).view(np.float32)
    allv = np.concatenate(values + [special, halves, ties16, ties_bf, -ties16])
    allv = allv[np.isfinite(allv) | np.isinf(allv)]
    with np.errstate(over="ignore"):
        f16 = allv.astype(np.float16).view(np.uint16)
    bf16 = torch.from_numpy(allv.copy()).to(torch.bfloat16).view(torch.int16).numpy().view(np.uint16)
    return {
        "float_bits": [int(b) for b in allv.view(np.uint32)],
        "f16_bits": [int(b) for b in f16],
        "bf16_bits": [int(b) for b in bf16],
    }


def write(path, obj):
    full = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    tmp = full + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, separators=(",", ":"))
    os.replace(tmp, full)
    print("wrote", path)


if __name__ == "__main__":
    write("autograd/src/test/resources/fixtures/torch_composites.json", {
        "generator": f"torch {torch.__version__}",
        "mlp_layer_norm": mlp_with_layer_norm(),
        "masked_attention": masked_attention(),
        "cross_entropy_mean": cross_entropy("mean"),
        "cross_entropy_sum": cross_entropy("sum"),
        "cross_entropy_none": cross_entropy("none"),
    })
    write("tensor/src/test/resources/fixtures/half_floats.json", half_floats())
