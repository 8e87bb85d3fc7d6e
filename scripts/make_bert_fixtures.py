#!/usr/bin/env python3
"""Reference fixtures for jformer's BERT: logits, loss and every parameter's gradient, computed by PyTorch.

    /usr/bin/python3 scripts/make_bert_fixtures.py            # tiny random BERT classifier (committed fixture)
    /usr/bin/python3 scripts/make_bert_fixtures.py --minilm DIR
        # also the real all-MiniLM-L6-v2 classifier; DIR is a Hugging Face directory made by
        # `./jformer convert ~/.cache/jformer/models/all-minilm-l6-v2/model.onnx DIR`.
        # 22.7M gradients are too many to commit, so that fixture keeps, per parameter, the L2 norm, the sum
        # and 32 seeded sample elements: enough to catch any wrong rule, small enough to commit.

The model is scripts/reference/torch_bert.py (plain PyTorch with Hugging Face's semantics), in eval mode:
dropout off, so the two engines compute the same function.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference"))
import torch_bert  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bert/src/test/resources/fixtures")
torch.set_num_threads(1)


def t(x):
    x = x.detach().to(torch.float32).contiguous()
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1).tolist()]}


def ints(x):
    return {"shape": list(x.shape), "data": [int(v) for v in x.reshape(-1).tolist()]}


def run(weights, cfg, input_ids, token_type_ids, attention_mask, labels):
    for v in weights.values():
        v.requires_grad_(True)
    logits = torch_bert.classifier_logits(weights, cfg, input_ids, token_type_ids, attention_mask)
    loss = torch.nn.functional.cross_entropy(logits, labels)
    loss.backward()
    return logits, loss


def write(name, obj):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, name)
    with open(path + ".tmp", "w") as f:
        json.dump(obj, f, separators=(",", ":"))
    os.replace(path + ".tmp", path)
    print("wrote", os.path.relpath(path, ROOT))


def tiny_random():
    cfg = {"vocab_size": 64, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
           "intermediate_size": 64, "max_position_embeddings": 32, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
           "hidden_act": "gelu", "num_labels": 3}
    g = torch.Generator().manual_seed(1234)
    w = torch_bert.random_classifier_weights(cfg, 3, g)
    input_ids = torch.randint(5, 64, (3, 10), generator=g)
    input_ids[:, 0] = 2  # a [CLS]-like first token
    attention_mask = torch.ones(3, 10, dtype=torch.long)
    attention_mask[1, 7:] = 0
    attention_mask[2, 4:] = 0
    input_ids[attention_mask == 0] = 0
    token_type_ids = torch.zeros(3, 10, dtype=torch.long)
    token_type_ids[0, 5:] = 1
    labels = torch.tensor([0, 2, 1])
    logits, loss = run(w, cfg, input_ids, token_type_ids, attention_mask, labels)
    write("bert_tiny_classifier.json", {
        "generator": f"torch {torch.__version__}", "config": cfg,
        "weights": {k: t(v) for k, v in w.items()},
        "input_ids": ints(input_ids), "token_type_ids": ints(token_type_ids), "attention_mask": ints(attention_mask),
        "labels": ints(labels), "logits": t(logits), "loss": float(loss),
        "grads": {k: t(v.grad) for k, v in w.items()},
    })


def training_run():
    """20 optimizer steps of the tiny classifier with the Trainer's recipe: AdamW (decay 0.01 except biases and
    LayerNorm weights), linear schedule with 3 warm-up steps, clipping at global norm 1.0, dropout off."""
    cfg = {"vocab_size": 64, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
           "intermediate_size": 64, "max_position_embeddings": 32, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
           "hidden_act": "gelu", "num_labels": 2}
    g = torch.Generator().manual_seed(99)
    w = torch_bert.random_classifier_weights(cfg, 2, g)
    initial = {k: v.clone() for k, v in w.items()}
    steps, lr, warmup, decay = 20, 1e-3, 3, 0.01
    batches = []
    for _ in range(steps):
        ids = torch.randint(5, 64, (4, 12), generator=g)
        ids[:, 0] = 2
        lengths = torch.randint(6, 13, (4,), generator=g)
        mask = (torch.arange(12)[None, :] < lengths[:, None]).long()
        ids[mask == 0] = 0
        labels = torch.randint(0, 2, (4,), generator=g)
        batches.append((ids, torch.zeros_like(ids), mask, labels))
    params = {k: v.requires_grad_(True) for k, v in w.items()}
    no_decay = [k for k in params if k.endswith(".bias") or "LayerNorm." in k]
    opt = torch.optim.AdamW([
        {"params": [v for k, v in params.items() if k not in no_decay], "weight_decay": decay},
        {"params": [v for k, v in params.items() if k in no_decay], "weight_decay": 0.0}],
        lr=lr, betas=(0.9, 0.999), eps=1e-8)

    def schedule(step):
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (steps - step) / max(1, steps - warmup))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, schedule)
    losses, norms, lrs = [], [], []
    for ids, types, mask, labels in batches:
        logits = torch_bert.classifier_logits(params, cfg, ids, types, mask)
        loss = torch.nn.functional.cross_entropy(logits, labels)
        loss.backward()
        norms.append(float(torch.nn.utils.clip_grad_norm_(list(params.values()), 1.0)))
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
        opt.zero_grad()
        losses.append(float(loss))
    os.makedirs(os.path.join(ROOT, "train/src/test/resources/fixtures"), exist_ok=True)
    global OUT
    saved, OUT = OUT, os.path.join(ROOT, "train/src/test/resources/fixtures")
    write("train_tiny_20_steps.json", {
        "generator": f"torch {torch.__version__}", "config": cfg,
        "hyper": {"lr": lr, "warmup_steps": warmup, "total_steps": steps, "weight_decay": decay, "max_grad_norm": 1.0},
        "initial": {k: t(v) for k, v in initial.items()},
        "batches": [{"input_ids": ints(a), "token_type_ids": ints(b), "attention_mask": ints(c), "labels": ints(d)}
                    for a, b, c, d in batches],
        "losses": losses, "grad_norms": norms, "lrs": lrs,
        "final": {k: t(v) for k, v in params.items()},
    })
    OUT = saved


def minilm(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    encoder = torch_bert.read_safetensors(os.path.join(model_dir, "model.safetensors"))
    w = {(k if k.startswith("bert.") else "bert." + k): v for k, v in encoder.items()}
    g = torch.Generator().manual_seed(42)
    w["classifier.weight"] = torch.randn(2, cfg["hidden_size"], generator=g) * 0.02
    w["classifier.bias"] = torch.zeros(2)
    # Token ids of four short reviews (bert-base-uncased vocabulary), two of them padded.
    rows = [[101, 2023, 3185, 2001, 6919, 999, 102, 0, 0, 0],
            [101, 1996, 5436, 2001, 9643, 1998, 1996, 3772, 2919, 102],
            [101, 1045, 2359, 2026, 2769, 2067, 1012, 102, 0, 0],
            [101, 2307, 2143, 1010, 2200, 4086, 102, 0, 0, 0]]
    input_ids = torch.tensor(rows)
    attention_mask = (input_ids != 0).long()
    token_type_ids = torch.zeros_like(input_ids)
    labels = torch.tensor([1, 0, 0, 1])
    logits, loss = run(w, cfg, input_ids, token_type_ids, attention_mask, labels)
    sample = torch.Generator().manual_seed(7)
    grads = {}
    for k, v in w.items():
        flat = v.grad.reshape(-1)
        idx = torch.randint(0, flat.numel(), (32,), generator=sample)
        grads[k] = {"shape": list(v.shape), "l2": float(flat.double().norm()), "sum": float(flat.double().sum()),
                    "index": [int(i) for i in idx], "values": [float(flat[i]) for i in idx]}
    write("bert_minilm_classifier.json", {
        "generator": f"torch {torch.__version__}",
        "classifier": {"weight": t(w["classifier.weight"]), "bias": t(w["classifier.bias"])},
        "input_ids": ints(input_ids), "token_type_ids": ints(token_type_ids), "attention_mask": ints(attention_mask),
        "labels": ints(labels), "logits": t(logits), "loss": float(loss), "grads": grads,
    })


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--minilm", help="Hugging Face directory of all-MiniLM-L6-v2 converted by jformer")
    args = ap.parse_args()
    tiny_random()
    training_run()
    if args.minilm:
        minilm(args.minilm)
