#!/usr/bin/env python3
"""Writes torch_written.safetensors and torch_written.json, the fixture SafeTensorsTorchFixtureTest reads.

The tensor values, and their F16/BF16/F32 bit patterns, come from PyTorch (Debian's python3-torch 1.13), never from
jformer: so the test checks jformer's decoding and half-float widening against an independent implementation.
Neither Debian 12 nor torch 1.13 ships the `safetensors` package, so the file layout is written here by hand, the
way the reference implementation (huggingface/safetensors, safetensors/src/tensor.rs) lays it out:
    - tensors sorted by dtype, widest first in the reference's Dtype order (I64 > F32 > BF16 > F16), then by name;
    - data_offsets contiguous from 0;
    - compact JSON (serde_json style), "__metadata__" first, padded with spaces to a multiple of 8 bytes.
The test also checks that jformer's writer reproduces this file byte for byte.

Run from anywhere:  /usr/bin/python3 tensor/src/test/resources/safetensors/make_torch_fixture.py
"""
import json
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(20260512)

# The reference Dtype enum order (ascending); the writer sorts by it descending.
DTYPE_ORDER = ["BOOL", "F4", "F6_E2M3", "F6_E3M2", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "F8_E4M3FNUZ",
               "F8_E5M2FNUZ", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"]
NAMES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}
BITS_VIEW = {torch.float32: (torch.int32, 0xFFFFFFFF), torch.float16: (torch.int16, 0xFFFF),
             torch.bfloat16: (torch.int16, 0xFFFF)}

tensors = {
    "weight": torch.randn(2, 3),
    # Rounding to half precision is done by torch: 1/3 and 0.1 round, 6e-8 lands on a subnormal, 70000 overflows.
    "half": torch.tensor([1 / 3, -65504.0, 6e-8, 0.1, 70000.0]).to(torch.float16),
    "brain": torch.tensor([[1 / 3, -1e30], [3.14159, 1e-40]]).to(torch.bfloat16),
    "ids": torch.tensor([-(2 ** 62) - 5, 2 ** 53 + 1, 7], dtype=torch.int64),
    "scalar": torch.tensor(2.5),
    "empty": torch.zeros(0, 4),
}
metadata = {"format": "pt"}


def raw_bytes(t):
    """Little-endian row-major bytes, taken through an integer view so bfloat16 works without numpy support."""
    t = t.contiguous()
    if t.dtype == torch.int64:
        return b"".join(struct.pack("<q", v) for v in t.reshape(-1).tolist())
    view, mask = BITS_VIEW[t.dtype]
    fmt = "<I" if view == torch.int32 else "<H"
    return b"".join(struct.pack(fmt, v & mask) for v in t.view(view).reshape(-1).tolist())


order = sorted(tensors, key=lambda n: (-DTYPE_ORDER.index(NAMES[tensors[n].dtype]), n))
header = {"__metadata__": metadata}
payload = b""
for name in order:
    data = raw_bytes(tensors[name])
    header[name] = {"dtype": NAMES[tensors[name].dtype], "shape": list(tensors[name].shape),
                    "data_offsets": [len(payload), len(payload) + len(data)]}
    payload += data
header_bytes = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
header_bytes += b" " * ((8 - len(header_bytes) % 8) % 8)
with open(os.path.join(HERE, "torch_written.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(header_bytes)) + header_bytes + payload)

expected = {"metadata": metadata, "order": order, "tensors": {}}
for name, t in tensors.items():
    entry = {"dtype": NAMES[t.dtype], "shape": list(t.shape)}
    flat = t.reshape(-1)
    if t.dtype == torch.int64:
        entry["values"] = flat.tolist()
    else:
        view, mask = BITS_VIEW[t.dtype]
        entry["bits"] = [v & mask for v in flat.view(view).tolist()]
        # torch's own widening to float32, as bit patterns (exact, and JSON has no infinity).
        entry["f32_bits"] = [v & 0xFFFFFFFF for v in flat.float().view(torch.int32).tolist()]
    expected["tensors"][name] = entry
with open(os.path.join(HERE, "torch_written.json"), "w") as f:
    json.dump(expected, f, indent=1)
    f.write("\n")
