"""A plain-PyTorch BERT with Hugging Face's parameter names and semantics, for making reference fixtures.

Debian's python3-torch has no `transformers`, so this is written out here: post-LN encoder layers, exact
(erf) GELU, additive attention mask of finfo.min, pooler tanh(dense(h[:, 0])), classifier on the pooled output.
Kept deliberately literal so it can be read against Hugging Face's modeling_bert.py.
"""
import json
import math
import struct

import numpy as np
import torch
import torch.nn.functional as F


def layer_names(i):
    p = f"encoder.layer.{i}."
    return [p + n for n in (
        "attention.self.query.weight", "attention.self.query.bias",
        "attention.self.key.weight", "attention.self.key.bias",
        "attention.self.value.weight", "attention.self.value.bias",
        "attention.output.dense.weight", "attention.output.dense.bias",
        "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias",
        "intermediate.dense.weight", "intermediate.dense.bias",
        "output.dense.weight", "output.dense.bias",
        "output.LayerNorm.weight", "output.LayerNorm.bias")]


def random_classifier_weights(cfg, num_labels, generator):
    """Normal(0, 0.02)-style random weights (std 0.2 so gradients are not tiny), LayerNorm near (1, 0)."""
    h, inter = cfg["hidden_size"], cfg["intermediate_size"]

    def n(*shape, std=0.2):
        return torch.randn(*shape, generator=generator) * std

    w = {
        "bert.embeddings.word_embeddings.weight": n(cfg["vocab_size"], h),
        "bert.embeddings.position_embeddings.weight": n(cfg["max_position_embeddings"], h),
        "bert.embeddings.token_type_embeddings.weight": n(cfg["type_vocab_size"], h),
        "bert.embeddings.LayerNorm.weight": 1 + n(h, std=0.1),
        "bert.embeddings.LayerNorm.bias": n(h, std=0.1),
    }
    for i in range(cfg["num_hidden_layers"]):
        for name in layer_names(i):
            full = "bert." + name
            if name.endswith("LayerNorm.weight"):
                w[full] = 1 + n(h, std=0.1)
            elif name.endswith("LayerNorm.bias"):
                w[full] = n(h, std=0.1)
            elif "intermediate.dense.weight" in name:
                w[full] = n(inter, h)
            elif "intermediate.dense.bias" in name:
                w[full] = n(inter, std=0.1)
            elif name.startswith(f"encoder.layer.{i}.output.dense.weight"):
                w[full] = n(h, inter)
            elif name.endswith("weight"):
                w[full] = n(h, h)
            else:
                w[full] = n(h, std=0.1)
    w["bert.pooler.dense.weight"] = n(h, h)
    w["bert.pooler.dense.bias"] = n(h, std=0.1)
    w["classifier.weight"] = n(num_labels, h)
    w["classifier.bias"] = n(num_labels, std=0.1)
    return w


def classifier_logits(w, cfg, input_ids, token_type_ids, attention_mask):
    """Logits of BertForSequenceClassification in eval mode (no dropout)."""
    h, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    d = h // heads
    eps = cfg.get("layer_norm_eps", 1e-12)
    b, s = input_ids.shape
    pos = torch.arange(s)
    x = (F.embedding(input_ids, w["bert.embeddings.word_embeddings.weight"])
         + F.embedding(pos, w["bert.embeddings.position_embeddings.weight"])[None]
         + F.embedding(token_type_ids, w["bert.embeddings.token_type_embeddings.weight"]))
    x = F.layer_norm(x, (h,), w["bert.embeddings.LayerNorm.weight"], w["bert.embeddings.LayerNorm.bias"], eps)
    mask = (1.0 - attention_mask.to(torch.float32))[:, None, None, :] * torch.finfo(torch.float32).min
    for i in range(cfg["num_hidden_layers"]):
        p = f"bert.encoder.layer.{i}."

        def lin(t, name):
            return F.linear(t, w[p + name + ".weight"], w[p + name + ".bias"])

        def split(t):
            return t.view(b, s, heads, d).permute(0, 2, 1, 3)

        q, k, v = split(lin(x, "attention.self.query")), split(lin(x, "attention.self.key")), split(
            lin(x, "attention.self.value"))
        scores = q @ k.transpose(-1, -2) / math.sqrt(d) + mask
        ctx = (torch.softmax(scores, dim=-1) @ v).permute(0, 2, 1, 3).reshape(b, s, h)
        x = F.layer_norm(lin(ctx, "attention.output.dense") + x, (h,), w[p + "attention.output.LayerNorm.weight"],
                         w[p + "attention.output.LayerNorm.bias"], eps)
        inter = F.gelu(lin(x, "intermediate.dense"))
        x = F.layer_norm(lin(inter, "output.dense") + x, (h,), w[p + "output.LayerNorm.weight"],
                         w[p + "output.LayerNorm.bias"], eps)
    pooled = torch.tanh(F.linear(x[:, 0], w["bert.pooler.dense.weight"], w["bert.pooler.dense.bias"]))
    return F.linear(pooled, w["classifier.weight"], w["classifier.bias"])


def read_safetensors(path):
    """Minimal reader (F32/F16/BF16) so the reference needs no safetensors package."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, e = info["data_offsets"]
        raw = data[a:e]
        if info["dtype"] == "F32":
            arr = np.frombuffer(raw, dtype="<f4")
        elif info["dtype"] == "F16":
            arr = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif info["dtype"] == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError(f"{path}: unsupported dtype {info['dtype']} for {name}")
        out[name] = torch.from_numpy(arr.copy()).reshape(info["shape"])
    return out
