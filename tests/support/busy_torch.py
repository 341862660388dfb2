"""Stock PyTorch keeping the CPU busy, as another user's job would: 512x512 float32 matrix
products with PyTorch's default threads until SIGTERM (or --seconds), then one line on stdout:
'products_per_second <rate>'. bench_busy_machine runs BitLens beside it."""
import argparse
import signal
import sys
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=0.0, help="stop after this long (0: at SIGTERM)")
    args = ap.parse_args()
    stop = False

    def on_term(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    a = torch.randn(512, 512)
    b = torch.randn(512, 512)
    start = time.perf_counter()
    products = 0
    while not stop and (args.seconds <= 0 or time.perf_counter() - start < args.seconds):
        a = torch.tanh(a @ b)
        products += 1
    print(f"products_per_second {products / (time.perf_counter() - start):.1f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
