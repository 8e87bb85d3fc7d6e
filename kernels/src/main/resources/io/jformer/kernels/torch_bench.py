# PyTorch timings of the operations KernelBench measures, on the same shapes; one "TORCH name ms" line each.
# Run by io.jformer.kernels.KernelBench where `import torch` works; exits non-zero without CUDA.
import sys
import torch
import torch.nn.functional as F

if not torch.cuda.is_available():
    print("torch has no CUDA device")
    sys.exit(1)
dev = "cuda"
torch.backends.cuda.matmul.allow_tf32 = False  # jformer's fp32 matmul is true fp32


def timed(name, fn, reps=20):
    for _ in range(3):
        fn()
    start = torch.cuda.Event(enable_timing=True)
    stop = torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(reps):
        fn()
    stop.record()
    torch.cuda.synchronize()
    print("TORCH %s %.5f" % (name, start.elapsed_time(stop) / reps), flush=True)


for m, n, k in [(2048, 768, 768), (2048, 3072, 768), (2048, 768, 3072), (8192, 768, 768), (8192, 3072, 768),
                (8192, 768, 3072), (4096, 4096, 4096)]:
    x = torch.randn(m, k, device=dev, dtype=torch.float16)
    w = torch.randn(n, k, device=dev, dtype=torch.float16)
    timed("linear_f16_%dx%dx%d" % (m, n, k), lambda: F.linear(x, w))
q = torch.randn(192, 128, 64, device=dev, dtype=torch.float16)
timed("bmm_f16_qk", lambda: torch.matmul(q, q.transpose(-1, -2)))
a = torch.randn(2048, 768, device=dev)
b = torch.randn(768, 768, device=dev)
timed("matmul_f32_2048x768x768", lambda: torch.matmul(a, b))
att = torch.randn(16, 12, 128, 128, device=dev)
mask = torch.randn(16, 1, 1, 128, device=dev)
timed("softmax_f32_attn", lambda: torch.softmax(att * 0.125 + mask, dim=-1))
h = torch.randn(8192, 768, device=dev)
lw = torch.randn(768, device=dev)
timed("layernorm_f32", lambda: F.layer_norm(h, (768,), lw, lw, 1e-12))
inter = torch.randn(8192, 3072, device=dev)
timed("gelu_f32", lambda: F.gelu(inter))
timed("add_f32", lambda: h + h)
p = torch.nn.Parameter(torch.randn(110_000_000, device=dev))
p.grad = torch.randn_like(p)
try:
    opt = torch.optim.AdamW([p], lr=2e-5, weight_decay=0.01, fused=True)
except (TypeError, RuntimeError):
    opt = torch.optim.AdamW([p], lr=2e-5, weight_decay=0.01)
timed("adamw_f32", opt.step)
logits = torch.randn(2048, 30522, device=dev)
targets = torch.zeros(2048, dtype=torch.long, device=dev)
timed("cross_entropy_f32", lambda: F.cross_entropy(logits, targets))
table = torch.randn(30522, 768, device=dev)
ids = torch.zeros(16, 512, dtype=torch.long, device=dev)
timed("embedding_f32", lambda: F.embedding(ids, table))
