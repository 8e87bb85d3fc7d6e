"""PyTorch's side of `scripts/bench-vs-torch.sh`: the same cases as `jformer bench`, one JSON line with the same keys.

A training step is forward (train mode, dropout 0.1), cross-entropy, backward and torch.optim.AdamW; a forward pass
is eval mode under no_grad. The model is a BertForSequenceClassification written with torch.nn modules (Debian's
python3-torch has no `transformers`), with Hugging Face's operations in Hugging Face's order: post-LN layers, exact
GELU, an additive attention mask, pooler and classifier. Weights come from the same Hugging Face directory jformer
reads, so both sides multiply the same matrices (or, with --random-weights, both initialise from config.json).

On a GPU (--device cuda) the timed bodies end with torch.cuda.synchronize(); --amp runs the forward pass under
torch.autocast(float16) and the step through torch.cuda.amp.GradScaler, as Hugging Face's Trainer does with fp16=True.
"""
import argparse
import json
import math
import os
import random
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from torch_bert import read_safetensors  # noqa: E402


class SelfAttention(nn.Module):
    def __init__(self, h, heads, p):
        super().__init__()
        self.heads, self.d = heads, h // heads
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.dropout = nn.Dropout(p)

    def forward(self, x, mask):
        b, s, h = x.shape

        def split(t):
            return t.view(b, s, self.heads, self.d).permute(0, 2, 1, 3)

        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.d) + mask
        probs = self.dropout(torch.softmax(scores, dim=-1))
        return (probs @ v).permute(0, 2, 1, 3).reshape(b, s, h)


class Layer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        h, p, eps = cfg["hidden_size"], cfg["hidden_dropout_prob"], cfg.get("layer_norm_eps", 1e-12)
        self.attention = SelfAttention(h, cfg["num_attention_heads"], cfg["attention_probs_dropout_prob"])
        self.attention_dense, self.attention_norm = nn.Linear(h, h), nn.LayerNorm(h, eps=eps)
        self.intermediate = nn.Linear(h, cfg["intermediate_size"])
        self.output, self.output_norm = nn.Linear(cfg["intermediate_size"], h), nn.LayerNorm(h, eps=eps)
        self.dropout = nn.Dropout(p)

    def forward(self, x, mask):
        x = self.attention_norm(self.dropout(self.attention_dense(self.attention(x, mask))) + x)
        return self.output_norm(self.dropout(self.output(F.gelu(self.intermediate(x)))) + x)


class Classifier(nn.Module):
    def __init__(self, cfg, num_labels=2):
        super().__init__()
        h = cfg["hidden_size"]
        self.word = nn.Embedding(cfg["vocab_size"], h)
        self.position = nn.Embedding(cfg["max_position_embeddings"], h)
        self.token_type = nn.Embedding(cfg["type_vocab_size"], h)
        self.embedding_norm = nn.LayerNorm(h, eps=cfg.get("layer_norm_eps", 1e-12))
        self.dropout = nn.Dropout(cfg["hidden_dropout_prob"])
        self.layers = nn.ModuleList(Layer(cfg) for _ in range(cfg["num_hidden_layers"]))
        self.pooler = nn.Linear(h, h)
        self.classifier = nn.Linear(h, num_labels)

    def forward(self, ids, attention_mask):
        b, s = ids.shape
        x = self.word(ids) + self.position(torch.arange(s, device=ids.device))[None] + self.token_type(torch.zeros_like(ids))
        x = self.dropout(self.embedding_norm(x))
        mask = (1.0 - attention_mask.to(torch.float32))[:, None, None, :] * torch.finfo(torch.float32).min
        for layer in self.layers:
            x = layer(x, mask)
        return self.classifier(self.dropout(torch.tanh(self.pooler(x[:, 0]))))

    def load_hf(self, weights):
        """Copies the encoder from Hugging Face names; pooler and head keep their fresh initialisation if absent."""
        own = {
            "bert.embeddings.word_embeddings.weight": self.word.weight,
            "bert.embeddings.position_embeddings.weight": self.position.weight,
            "bert.embeddings.token_type_embeddings.weight": self.token_type.weight,
            "bert.embeddings.LayerNorm.weight": self.embedding_norm.weight,
            "bert.embeddings.LayerNorm.bias": self.embedding_norm.bias,
            "bert.pooler.dense.weight": self.pooler.weight,
            "bert.pooler.dense.bias": self.pooler.bias,
        }
        for i, layer in enumerate(self.layers):
            p = f"bert.encoder.layer.{i}."
            parts = {"attention.self.query": layer.attention.query, "attention.self.key": layer.attention.key,
                     "attention.self.value": layer.attention.value, "attention.output.dense": layer.attention_dense,
                     "attention.output.LayerNorm": layer.attention_norm, "intermediate.dense": layer.intermediate,
                     "output.dense": layer.output, "output.LayerNorm": layer.output_norm}
            for name, module in parts.items():
                own[p + name + ".weight"] = module.weight
                own[p + name + ".bias"] = module.bias
        loaded = 0
        with torch.no_grad():
            for name, param in own.items():
                source = weights.get(name, weights.get(name[len("bert."):]))
                if source is not None:
                    param.copy_(source)
                    loaded += 1
        if loaded < len(own) - 2:
            raise SystemExit(f"only {loaded} of {len(own)} encoder tensors found in the checkpoint")


def median_seconds(body, warmup, repeats):
    for _ in range(warmup):
        body()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        body()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_rss_mb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", required=True, help="Hugging Face directory (config.json, model.safetensors)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--skip-train", action="store_true", help="time the forward pass only")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    ap.add_argument("--amp", action="store_true", help="fp16 autocast and GradScaler (CUDA)")
    ap.add_argument("--random-weights", action="store_true", help="initialise from config.json alone")
    args = ap.parse_args()

    device = torch.device(args.device)
    cuda = device.type == "cuda"
    if not cuda:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    cfg = json.load(open(os.path.join(args.model, "config.json")))
    net = Classifier(cfg)
    if not args.random_weights:
        net.load_hf(read_safetensors(os.path.join(args.model, "model.safetensors")))
    net.to(device)
    rnd = random.Random(0)
    ids = torch.tensor([[1000 + rnd.randrange(cfg["vocab_size"] - 1000) for _ in range(args.seq)]
                        for _ in range(args.batch)], device=device)
    mask = torch.ones_like(ids)
    labels = torch.zeros(args.batch, dtype=torch.long, device=device)
    optimizer = torch.optim.AdamW(net.parameters(), lr=2e-5, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    scaler = None
    if args.amp:  # torch.amp.GradScaler("cuda") from 2.3 on; the older spelling before
        scaler = torch.amp.GradScaler("cuda") if hasattr(torch.amp, "GradScaler") else torch.cuda.amp.GradScaler()

    def sync():
        if cuda:
            torch.cuda.synchronize()

    def autocast():
        return torch.autocast(device_type="cuda", dtype=torch.float16, enabled=args.amp)

    def train_step():
        net.train()
        with autocast():
            loss = F.cross_entropy(net(ids, mask), labels)
        if scaler is None:
            loss.backward()
            optimizer.step()
        else:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        optimizer.zero_grad(set_to_none=True)
        sync()

    def forward():
        net.eval()
        with torch.no_grad(), autocast():
            net(ids, mask)
        sync()

    out = {"model": os.path.basename(os.path.normpath(args.model)), "impl": "pytorch " + torch.__version__,
           "batch": args.batch, "seq": args.seq, "device": str(device), "amp": args.amp,
           "threads": torch.get_num_threads()}
    if not args.skip_train:
        train = median_seconds(train_step, args.warmup, args.repeats)
        out.update(train_step_s=train, train_seq_per_s=args.batch / train)
        # The training step's peak is the one the issue compares; read it before the forward pass.
        out["peak_rss_mb"] = peak_rss_mb()
    fwd = median_seconds(forward, args.warmup, args.repeats)
    out.update(fwd_s=fwd, fwd_seq_per_s=args.batch / fwd)
    out.setdefault("peak_rss_mb", peak_rss_mb())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
