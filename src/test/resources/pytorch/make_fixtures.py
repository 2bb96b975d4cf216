#!/usr/bin/python3
"""Writes the PyTorch fixtures of jcnn's weight-import tests (PyTorchWeightsTest) into this folder.

Run it with a Python that has torch (e.g. Debian's python3-torch):  python3 make_fixtures.py
It needs no `safetensors` package: the files are written by hand in the safetensors layout
(8-byte little-endian header length, JSON header padded with spaces to a multiple of 8, raw little-endian data).

Each fixture NAME gives two files:
  NAME.safetensors     the module's state_dict, exactly as PyTorch holds it (no jcnn metadata)
  NAME-io.safetensors  "input" (a batch) and "output" (what the module in eval mode computes from it, float32)
"""
import json
import struct
from pathlib import Path

import torch
import torch.nn as nn

HERE = Path(__file__).resolve().parent
DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64"}


def save(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        t = t.detach().contiguous().cpu()
        if t.dtype in (torch.float16, torch.bfloat16):
            raw = t.view(torch.int16).numpy().astype("<i2").tobytes()
        elif t.dtype == torch.float32:
            raw = t.numpy().astype("<f4").tobytes()
        elif t.dtype == torch.int64:
            raw = t.numpy().astype("<i8").tobytes()
        else:
            raise ValueError(f"{name}: dtype {t.dtype} not handled")
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def fixture(name, net, input_shape, state=None, batch=4):
    """Saves net's state_dict (or `state`) and the outputs of the net with exactly those weights."""
    net.eval()
    state = state if state is not None else net.state_dict()
    # the reference output uses the weights as stored (F16/BF16 rounded), computed in float32
    net.load_state_dict({k: v.to(net.state_dict()[k].dtype) for k, v in state.items()})
    x = torch.randn(batch, *input_shape)
    with torch.no_grad():
        y = net(x)
    save(HERE / f"{name}.safetensors", state)
    save(HERE / f"{name}-io.safetensors", {"input": x, "output": y})
    print(f"{name}: {', '.join(f'{k} {DTYPES[v.dtype]} {list(v.shape)}' for k, v in state.items())}")


def lenet():
    # input 3 x 16 x 16: conv 3x3 -> 14, pool -> 7, conv 3x3 -> 5, pool -> 2, flatten 6*2*2 = 24
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(4, 6, 3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(24, 16), nn.ReLU(), nn.Linear(16, 5), nn.Softmax(dim=1))


class Named(nn.Module):
    """The same network as lenet() with named modules, as most PyTorch code writes it."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3)
        self.conv2 = nn.Conv2d(4, 6, 3)
        self.fc1 = nn.Linear(24, 16)
        self.fc2 = nn.Linear(16, 5)

    def forward(self, x):
        x = torch.max_pool2d(torch.relu(self.conv1(x)), 2)
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        x = torch.relu(self.fc1(torch.flatten(x, 1)))
        return torch.softmax(self.fc2(x), dim=1)


def main():
    torch.manual_seed(13)
    net = lenet()
    fixture("lenet", net, (3, 16, 16))
    fixture("lenet-f16", net, (3, 16, 16), {k: v.half() for k, v in net.state_dict().items()})
    fixture("lenet-bf16", net, (3, 16, 16), {k: v.bfloat16() for k, v in net.state_dict().items()})

    bn = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                       nn.Flatten(), nn.Linear(4 * 4 * 4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3))
    bn.train()
    with torch.no_grad():  # a few training passes give the running statistics and num_batches_tracked values
        for _ in range(3):
            bn(torch.randn(8, 3, 8, 8) * 2 + 0.5)
        for m in bn:
            if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm1d)):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
    fixture("batchnorm", bn, (3, 8, 8))

    named = Named()
    fixture("named", named, (3, 16, 16))


if __name__ == "__main__":
    main()
