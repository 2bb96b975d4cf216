"""GEMM GFLOP/s of the BLAS under numpy, one thread, at the shapes of GemmBenchmark (name:TT:m:n:k), for the
comparison in docs/performance.md. Debian's numpy uses the reference BLAS; to measure OpenBLAS, unpack Debian's
libopenblas0-pthread (apt-get download libopenblas0-pthread; dpkg -x *.deb DIR) and run
    OPENBLAS_NUM_THREADS=1 LD_LIBRARY_PATH=DIR/usr/lib/x86_64-linux-gnu/openblas-pthread \\
        /usr/bin/python3 bench/openblas.py [SHAPE ...]
It prints one line per shape: the median of 5 timed runs of about 2 GFLOP each.
"""
import sys
import time

import numpy as np

SHAPES = ["1024:NN:1024:1024:1024",
          "vgg1-fwd:RN:32:16384:27", "vgg1-dW:NT:32:27:16384",
          "vgg2-fwd:RN:32:16384:288", "vgg2-dW:NT:32:288:16384", "vgg2-dcols:TN:288:16384:32",
          "vgg3-fwd:RN:64:4096:288", "vgg3-dW:NT:64:288:4096", "vgg3-dcols:TN:288:4096:64",
          "vgg4-fwd:RN:64:4096:576", "vgg4-dW:NT:64:576:4096", "vgg4-dcols:TN:576:4096:64",
          "vgg5-fwd:RN:128:1024:576", "vgg5-dW:NT:128:576:1024", "vgg5-dcols:TN:576:1024:128",
          "vgg6-fwd:RN:128:1024:1152", "vgg6-dW:NT:128:1152:1024", "vgg6-dcols:TN:1152:1024:128"]


def main():
    rng = np.random.default_rng(1)
    for spec in sys.argv[1:] or SHAPES:
        name, t, m, n, k = spec.split(":")
        m, n, k = int(m), int(n), int(k)
        a = rng.standard_normal((k, m) if t[0] == "T" else (m, k), dtype=np.float32)
        b = rng.standard_normal((n, k) if t[1] == "T" else (k, n), dtype=np.float32)
        a = a.T if t[0] == "T" else a
        b = b.T if t[1] == "T" else b
        c = a @ b
        reps = max(1, int(2e9 / (2.0 * m * n * k)))
        rates = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(reps):
                np.matmul(a, b, out=c)
            rates.append(2.0 * m * n * k * reps / (time.perf_counter() - start) / 1e9)
        rates.sort()
        print(f"{spec:34s} {rates[2]:7.1f} GFLOP/s (median of 5; min {rates[0]:.1f}, max {rates[4]:.1f})")


if __name__ == "__main__":
    main()
