"""VGG-16 (configuration D) in PyTorch, built by hand (torchvision may be missing): one 224x224 image, inference.

Run with Debian's python3-torch:
    /usr/bin/python3 bench/vgg16.py [--threads 1 2] [--reps 5]
Prints, per thread count, the median (min, max) of --reps predictions after one untimed, like
io.github.jcnn.bench.Vgg16 (13 conv3x3 padding 1 + ReLU in stages of 64, 128, 256, 512, 512 channels, each
max-pooled, then dense 4096, 4096, 1000: 138,357,544 parameters).
"""
import argparse
import statistics
import time

import torch
import torch.nn as nn


def vgg16():
    layers, c = [], 3
    for stage in ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512)):
        for w in stage:
            layers += [nn.Conv2d(c, w, 3, padding=1), nn.ReLU()]
            c = w
        layers.append(nn.MaxPool2d(2))
    layers += [nn.Flatten(), nn.Linear(512 * 7 * 7, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(),
               nn.Linear(4096, 1000)]
    return nn.Sequential(*layers)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    p.add_argument("--reps", type=int, default=5)
    a = p.parse_args()
    torch.manual_seed(0)
    t = time.perf_counter()
    model = vgg16().eval()
    built = time.perf_counter() - t
    params = sum(q.numel() for q in model.parameters())
    print(f"torch {torch.__version__} VGG-16: {params:,} parameters, built in {built:.2f} s")
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        for th in a.threads:
            torch.set_num_threads(th)
            model(x)
            times = []
            for _ in range(a.reps):
                t = time.perf_counter()
                model(x)
                times.append(time.perf_counter() - t)
            print(f"torch VGG-16 one image, {th} threads: median {statistics.median(times):.3f} s "
                  f"(min {min(times):.3f}, max {max(times):.3f})", flush=True)


if __name__ == "__main__":
    main()
