#!/usr/bin/python3
"""GPTQ and AWQ written from their papers with numpy alone, the MSE-clipped grid LWC starts from, and
FP=xINT's residual expansion, independently of BitLens's core, on
weights and inputs generated here. tst_quant_methods runs core's methods on the same data and
compares. The integer grid follows README's conventions (PyTorch observers, scales rounded to
fp16, round half to even).
  quant_methods_reference.py OUT.h5
OUT.h5 holds one group per case: datasets weight [m, n], inputs X [N, n], expected [m, n] (the
dequantized weight the method gives; for xint [terms, m, n], the sum of the first 1, 2, ... terms)
and, for AWQ, scales [n]; attributes method, bits, granularity, group_size, symmetric (and terms)."""
import sys

import h5py
import numpy as np

DAMPENING = 0.01  # GPTQ: 1 % of the mean diagonal of XᵀX
AWQ_GRID = 20     # AWQ: alpha = 0, 1/20, ..., 19/20
AWQ_ROWS = 256    # AWQ: alpha measured on at most this many evenly spaced output channels


def fp16(x):
    return np.asarray(x, np.float64).astype(np.float16).astype(np.float64)


def fit_grid(values, bits, symmetric, ratio=1.0):
    """Per row of `values` [R, S]: (scale, zero_point, qmin, qmax) of a min-max grid, its range
    clipped to `ratio` (one per row, or one for all)."""
    lo = np.minimum(values.min(axis=1) * ratio, 0.0)
    hi = np.maximum(values.max(axis=1) * ratio, 0.0)
    if symmetric:
        qmin, qmax = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        scale = np.maximum(-lo, hi) / ((qmax - qmin) / 2.0)
    else:
        qmin, qmax = 0, (1 << bits) - 1
        scale = (hi - lo) / (qmax - qmin)
    scale = fp16(scale)
    scale[~(scale > 0)] = 1.0
    zero = np.zeros_like(scale) if symmetric else np.clip(qmin - np.round(lo / scale), qmin, qmax)
    return scale, zero, qmin, qmax


def round_on(x, grid):
    scale, zero, qmin, qmax = grid
    codes = np.clip(np.round(x * (1.0 / scale)) + zero, qmin, qmax)
    return (codes - zero) * scale


def rtn(w, case):
    """Round to nearest, per tensor, per output channel, or per group of columns."""
    m, n = w.shape
    size = {"per-tensor": m * n, "per-channel": n, "per-group": case["group_size"]}[case["granularity"]]
    rows = w.reshape(-1, size)
    return round_on(rows, tuple(g[:, None] if np.ndim(g) else g for g in fit_grid(rows, case["bits"], case["symmetric"]))).reshape(m, n)


def rtn_mse(w, case):
    """Round to nearest on each group's grid clipped to the ratio 1.0, 0.975, ..., 0.325 whose
    squared weight error is least (the first of equals)."""
    m, n = w.shape
    size = {"per-tensor": m * n, "per-channel": n, "per-group": case["group_size"]}[case["granularity"]]
    rows = w.reshape(-1, size)
    best, best_error = None, np.full(rows.shape[0], np.inf)
    for k in range(28):
        grid = fit_grid(rows, case["bits"], case["symmetric"], 1.0 - 0.025 * k)
        q = round_on(rows, tuple(g[:, None] if np.ndim(g) else g for g in grid))
        error = np.sum((q - rows) ** 2, axis=1)
        better = error < best_error
        best = q if best is None else np.where(better[:, None], q, best)
        best_error = np.where(better, error, best_error)
    return best.reshape(m, n)


def xint(w, case, terms):
    """FP=xINT: term k rounds the residual the terms before it left on that residual's own grid.
    Returns the partial sums [terms, m, n]."""
    total = np.zeros_like(w)
    sums = []
    for _ in range(terms):
        total = total + rtn(w - total, case)
        sums.append(total)
    return np.stack(sums)


def gptq(w, x, case, activation_order):
    """Algorithm 1 of Frantar et al. (2022), every update applied at once (no lazy batches)."""
    w = w.astype(np.float64).copy()
    m, n = w.shape
    h = x.T @ x
    dead = np.diag(h) == 0
    h[dead, dead] = 1.0
    w[:, dead] = 0.0
    grouped = case["granularity"] == "per-group"
    size = case["group_size"] if grouped else n

    def grid_of(columns):  # [m, k] -> per-row grid, or one grid for the whole tensor
        if case["granularity"] == "per-tensor":
            return fit_grid(columns.reshape(1, -1), case["bits"], case["symmetric"])
        return fit_grid(columns, case["bits"], case["symmetric"])

    # Grids known before the first column: per-tensor, per-channel, and with activation order
    # each group's grid from the weights as they are ("static groups").
    fixed = [grid_of(w[:, g * size:(g + 1) * size]) for g in range(n // size)] if (not grouped or activation_order) else None
    if case["granularity"] == "per-tensor":
        fixed = [grid_of(w)]
    order = np.argsort(-np.diag(h), kind="stable") if activation_order else np.arange(n)
    w, h = w[:, order], h[np.ix_(order, order)]
    h += DAMPENING * np.mean(np.diag(h)) * np.eye(n)
    u = np.linalg.cholesky(np.linalg.inv(h)).T  # upper: Uᵀ U = H⁻¹
    q = np.zeros_like(w)
    current = None
    for i in range(n):
        column = order[i]
        if fixed is not None:
            grid = fixed[column // size] if grouped else fixed[0]
        else:
            if column % size == 0:
                current = grid_of(w[:, i:i + size])
            grid = current
        q[:, i] = round_on(w[:, i], grid)
        err = (w[:, i] - q[:, i]) / u[i, i]
        w[:, i + 1:] -= np.outer(err, u[i, i + 1:])
    result = np.zeros_like(q)
    result[:, order] = q
    return result


def awq(w, x, case):
    """Lin et al. (2023): s = mean|x|^alpha, normalised by sqrt(max s * min s); the alpha whose
    output error ||X (Ŵ − W)ᵀ||² is smallest, by brute force over the grid on the real inputs."""
    magnitude = np.abs(x).mean(axis=0)
    rows = w
    if w.shape[0] > AWQ_ROWS and case["granularity"] != "per-tensor":
        rows = w[np.round(np.linspace(0, w.shape[0] - 1, AWQ_ROWS)).astype(int)]

    def scales(alpha):
        s = np.maximum(magnitude ** alpha, 1e-4)
        return fp16(s / np.sqrt(s.max() * s.min()))

    best = None
    for g in range(AWQ_GRID):
        s = scales(g / AWQ_GRID)
        error = np.sum((x @ (rtn(rows * s[None, :], case) / s[None, :] - rows).T) ** 2)
        if best is None or error < best[0]:
            best = (error, s)
    s = best[1]
    return rtn(w * s[None, :], case) / s[None, :], s


def data(rng, m, n, rows):
    """Weights and correlated inputs with a few outlier channels, as in transformers."""
    w = rng.normal(0, 0.05, (m, n))
    mix = rng.normal(0, 1, (n, n)) / np.sqrt(n) + np.eye(n)
    x = rng.normal(0, 1, (rows, n)) @ mix
    x[:, rng.choice(n, 3, replace=False)] *= 12.0
    return w.astype(np.float32), x.astype(np.float32)


CASES = [
    ("gptq_w3_channel", "gptq", 3, "per-channel", 0, True),
    ("gptq_w4_group16_asym", "gptq", 4, "per-group", 16, False),
    ("gptq_w3_tensor", "gptq", 3, "per-tensor", 0, True),
    ("gptq_act_w3_group16", "gptq_act", 3, "per-group", 16, True),
    ("gptq_act_w4_channel_asym", "gptq_act", 4, "per-channel", 0, False),
    ("awq_w3_channel", "awq", 3, "per-channel", 0, True),
    ("awq_w4_group16_asym", "awq", 4, "per-group", 16, False),
    ("awq_w3_group32_300_rows", "awq", 3, "per-group", 32, True),
    # LWC learns from the MSE grid: "expected" is that starting point.
    ("lwc_w3_channel", "lwc", 3, "per-channel", 0, True),
    ("lwc_w4_group16_asym", "lwc", 4, "per-group", 16, False),
    # xint: the sums of the first 1..XINT_TERMS terms.
    ("xint_w2_channel", "xint", 2, "per-channel", 0, True),
    ("xint_w3_group16_asym", "xint", 3, "per-group", 16, False),
]
XINT_TERMS = 4


def main():
    rng = np.random.default_rng(20261207)
    with h5py.File(sys.argv[1], "w") as f:
        for name, method, bits, granularity, group_size, symmetric in CASES:
            w, x = data(rng, 300 if "300_rows" in name else 24, 64, 512)
            case = {"bits": bits, "granularity": granularity, "group_size": group_size, "symmetric": symmetric}
            w64, x64 = w.astype(np.float64), x.astype(np.float64)
            g = f.create_group(name)
            if method == "awq":
                expected, scales = awq(w64, x64, case)
                g["scales"] = scales.astype(np.float32)
            elif method == "lwc":
                expected = rtn_mse(w64, case)
            elif method == "xint":
                expected = xint(w64, case, XINT_TERMS)
                g.attrs["terms"] = XINT_TERMS
            else:
                expected = gptq(w64, x64, case, method == "gptq_act")
            g["weight"], g["inputs"], g["expected"] = w, x, expected.astype(np.float32)
            g.attrs.update({"method": method, "bits": bits, "granularity": granularity, "group_size": group_size,
                            "symmetric": int(symmetric)})


if __name__ == "__main__":
    main()
