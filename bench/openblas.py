"""GEMM GFLOP/s of the BLAS under numpy, one thread, at the shapes of GemmBenchmark (name:TT:m:n:k), for the
comparison in docs/performance.md. Debian's numpy uses the reference BLAS; to measure OpenBLAS, unpack Debian's
libopenblas0-pthread (apt-get download libopenblas0-pthread; dpkg -x *.deb DIR) and run
    OPENBLAS_NUM_THREADS=1 LD_LIBRARY_PATH=DIR/usr/lib/x86_64-linux-gnu/openblas-pthread \\
        /usr/bin/python3 bench/openblas.py [SHAPE ...]
It prints one line per shape: the median of 5 timed runs of about 2 GFLOP each.

    /usr/bin/python3 bench/openblas.py --compare LOG
reads the log of bench/gemm-sitting (OpenBLAS's lines and JMH's GemmBenchmark lines, two runs of each) and prints
the comparison table: GFLOP/s of both in each run and jcnn's ratio, with the issue's floor of 0.60.
"""
import re
import sys
import time

SHAPES = ["1024:NN:1024:1024:1024",
          "vgg1-fwd:RN:32:16384:27", "vgg1-dW:NT:32:27:16384",
          "vgg2-fwd:RN:32:16384:288", "vgg2-dW:NT:32:288:16384", "vgg2-dcols:TN:288:16384:32",
          "vgg3-fwd:RN:64:4096:288", "vgg3-dW:NT:64:288:4096", "vgg3-dcols:TN:288:4096:64",
          "vgg4-fwd:RN:64:4096:576", "vgg4-dW:NT:64:576:4096", "vgg4-dcols:TN:576:4096:64",
          "vgg5-fwd:RN:128:1024:576", "vgg5-dW:NT:128:576:1024", "vgg5-dcols:TN:576:1024:128",
          "vgg6-fwd:RN:128:1024:1152", "vgg6-dW:NT:128:1152:1024", "vgg6-dcols:TN:1152:1024:128"]


def compare(log):
    """The markdown table of a gemm-sitting log: per shape, OpenBLAS and jcnn in GFLOP/s per run, and the ratio."""
    blas, jcnn, who, run = {}, {}, None, 0
    for line in open(log, encoding="utf-8"):
        head = re.match(r"== (OpenBLAS|jcnn) run (\d+)", line)
        if head:
            who, run = head.group(1), int(head.group(2))
            continue
        rate = re.match(r"(\S+:[A-Z]{2}:\d+:\d+:\d+)\s+([\d.]+) GFLOP/s", line)
        if rate and who == "OpenBLAS":
            blas.setdefault(rate.group(1), {})[run] = float(rate.group(2))
        jmh = re.match(r"GemmBenchmark\.multiply\s+(\S+)\s+avgt\s+(?:\d+\s+)?([\d.]+)\s", line)
        if jmh and who == "jcnn":
            m, n, k = (int(v) for v in jmh.group(1).split(":")[2:])
            jcnn.setdefault(jmh.group(1), {})[run] = 2.0 * m * n * k / float(jmh.group(2)) / 1e3
    runs = sorted({r for rates in blas.values() for r in rates})
    numbers = ", ".join(map(str, runs))
    print(f"| product (M x N x K, layout) | OpenBLAS run {numbers} | jcnn run {numbers} | ratio run {numbers} |")
    print("|---|---|---|---|")
    every, missing = [], 0
    for spec, rates in blas.items():
        name, layout, m, n, k = spec.split(":")
        ours = jcnn.get(spec, {})
        ratios = [ours[r] / rates[r] for r in runs if r in ours and r in rates]
        every += ratios
        missing += len(runs) - len(ratios)
        label = "" if name.isdigit() else name + " "
        print(f"| {label}{m} x {n} x {k} ({layout}) | "
              + ", ".join(f"{rates[r]:.1f}" if r in rates else "-" for r in runs)
              + " | " + ", ".join(f"{ours[r]:.1f}" if r in ours else "-" for r in runs)
              + " | " + ", ".join(f"{x:.2f}" for x in ratios) + " |")
    if not every:
        sys.exit(f"{log}: no pair of OpenBLAS and jcnn figures found")
    lowest = min(every)
    verdict = "met at every shape in every run" if lowest >= 0.6 else "not met"
    if missing:
        verdict += f" where measured ({missing} pairs of figures missing)"
    print(f"\nlowest ratio {lowest:.2f}; the floor of 0.60: {verdict}")


def main():
    if sys.argv[1:2] == ["--compare"]:
        compare(sys.argv[2])
        return
    import numpy as np
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
