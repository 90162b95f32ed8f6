"""`calibrate`: a CostModel measured on this machine, in generated Numba code.

Each operation runs in a chain of eight per grid point, the chain's operands
loaded from arrays that stay in cache, in the loop form the stencil kernels
use (`fastmath`, `error_model="numpy"`):

- "vector": the points are independent, so LLVM vectorizes the loop and the
  chains of neighbouring points overlap: reciprocal throughput, what a
  stencil sweep pays;
- "scalar": the chain runs on through all points (each step needs the last),
  so nothing overlaps: latency, what a small ODE right-hand side pays.

Binary operations are timed directly (`v = v + a_j`, `v * a_j`, `a_j / v`);
a function f as `f(c*v) + a_j` less the same chain without f. Costs are
relative to the add's.
"""

from __future__ import annotations

import time

import numpy as np

from ._cost import CostModel

__all__ = ["calibrate", "GPU"]

_CHAIN = 8
_BINARY = {"add": "v = v + a[{j}, i]", "mul": "v = v * a[{j}, i]", "div": "v = a[{j}, i] / v"}
_UNARY = {
    "sqrt": "math.sqrt({x})",
    "exp": "math.exp({x})",
    "log": "math.log({x})",
    "sin": "math.sin({x})",
    "cos": "math.cos({x})",
    "tan": "math.tan({x})",
    "tanh": "math.tanh({x})",
    "pow": "({x}) ** p",
    "abs": "abs({x})",
    "identity": "({x})",
}

# The CUDA backend's table, from the CUDA C++ Programming Guide's arithmetic
# instruction throughputs (compute capability 8.0/9.0, FP64, per SM per clock:
# add, mul, fma 32-64) and the instruction counts of CUDA's libdevice double
# routines: division and sqrt are Newton iterations on a reciprocal estimate
# (~10 FMA-class instructions, no hardware divider), exp/log/sin/cos ~20-40,
# pow ~2 logs and an exp. Relative to a DADD, as the CPU table is. Float32
# kernels have hardware approximations (MUFU) for these; this table is FP64's.
GPU = CostModel(
    add=1.0, mul=1.0, div=10.0, sqrt=10.0, exp=20.0, log=22.0, sin=30.0, cos=30.0,
    tan=60.0, tanh=30.0, pow=70.0, abs=1.0, select=2.0, function=50.0,
)


def _source(kind: str) -> str:
    lines = ["import math", "import numba", ""]
    vector = kind == "vector"
    for name, step in _BINARY.items():
        lines += _kernel(name, [step.format(j=j) for j in range(_CHAIN)], vector)
    for name, f in _UNARY.items():
        lines += _kernel(name, [f"v = {f.format(x='0.25 * v')} + a[{j}, i]" for j in range(_CHAIN)], vector)
    return "\n".join(lines) + "\n"


def _kernel(name, steps, vector):
    # the scalar chain without fastmath: reassociated, it would be a vectorized reduction
    head = [f"@numba.njit(fastmath={vector}, cache=True, error_model=\"numpy\")",
            f"def k_{name}(a, out, p, reps):"]
    if vector:
        body = ["    for r in range(reps):", "        for i in range(out.shape[0]):",
                "            v = out[i]"]
        body += [f"            {s}" for s in steps]
        body += ["            out[i] = v"]
    else:
        body = ["    v = out[0]", "    for r in range(reps):", "        for i in range(out.shape[0]):"]
        body += [f"            {s}" for s in steps]
        body += ["    out[0] = v"]
    return head + body + ["", ""]


def calibrate(kind: str = "vector", points: int = 512, seconds: float = 0.02, repeat: int = 5) -> CostModel:
    """Time each operation on this machine and return the CostModel (add = 1).

    `kind="vector"`: throughput in a vectorizable loop (stencil kernels);
    `"scalar"`: latency in a dependent chain. `seconds` is the length of one
    timing, the best of `repeat` is kept. `select` and `function` keep the
    table's values. The first call compiles the timing kernels (a few
    seconds; cached on disk after).

    >>> model = calibrate(seconds=0.002, repeat=1)
    >>> model.add, model.exp > model.mul
    (1.0, True)
    """
    from symnum.codegen._compile import load_source
    from symnum._errors import RewriteError

    if kind not in ("vector", "scalar"):
        raise RewriteError(f"calibrate(kind={kind!r}): use kind=\"vector\" or kind=\"scalar\"")
    module = load_source(_source(kind), f"calibrate_{kind}")
    rng = np.random.default_rng(0)
    a = rng.uniform(0.9, 1.1, (_CHAIN, points))
    a_pos = a + 1.0  # log's operand stays > 0: v >= 1.9 after the first step
    # the multiply chain's factors in reciprocal pairs: a product of random factors
    # drifts (mean log 0.9..1.1 < 0) into denormals on a fast machine, where a multiply
    # is ~30x slower (measured: mul = 33 adds)
    a_mul = a.copy()
    a_mul[1::2] = 1.0 / a_mul[0::2]

    def per_op(name):
        fn = getattr(module, f"k_{name}")
        out = np.full(points, 1.5)
        args = ({"log": a_pos, "mul": a_mul}.get(name, a), out, 0.7)
        fn(*args, 1)  # compile or load
        reps = 1
        while True:  # reps for one timing of about `seconds`
            t0 = time.perf_counter()
            fn(*args, reps)
            dt = time.perf_counter() - t0
            if dt > seconds / 4 or reps > 1 << 24:
                break
            reps *= 4
        reps = max(1, int(reps * seconds / max(dt, 1e-9)))
        best = np.inf
        for _ in range(repeat):
            out[:] = 1.5
            t0 = time.perf_counter()
            fn(*args, reps)
            best = min(best, time.perf_counter() - t0)
        return best / (reps * points * _CHAIN)

    t = {name: per_op(name) for name in [*_BINARY, *_UNARY]}
    add = t["add"]
    values = {name: t[name] / add for name in _BINARY}
    for name in _UNARY:
        if name != "identity":
            values[name] = max(t[name] - t["identity"], 0.0) / add
    values["add"] = 1.0
    return CostModel(**{k: round(v, 2) for k, v in values.items()})
