"""Stress: optimize() on flux-form templates, many fresh processes, each result checked
against its templates at a random point (solvers/_problem._checked).

On 2026-12-03 about 1 run in 12 of the 3-D order-4 system below gave a WRONG program
(optimize's "second" candidate: CSE first, then the e-graph with the temps as leaves),
not reproducibly by hash seed or iteration count: this script counts them, for whoever
hunts the cause (issue #17). Kernels are safe meanwhile: discretize falls back to CSE.

Run:  python benchmarks/rewriting_soundness.py [--runs 24] [--dim 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

CASE = r"""
import sys, warnings, sympy, symnum as sn
from symnum.rewriting import CPU, optimize
from symnum.solvers._problem import _checked
from symnum.solvers._stencil import lower_to_stencils
dim = int(sys.argv[1])
t, x, y, z = sn.variables("t x y z")
xs = (x, y, z)[:dim]
u, v = sn.fields("u v", t, *xs)
system = sn.PDESystem(
    [sn.Eq(sn.D(t)(u), sn.div((1 + u**2) * sn.grad(u, *xs), *xs) + v),
     sn.Eq(sn.D(t)(v), sn.laplacian(v, *xs) - u)],
    [sn.Dirichlet(f, w, s, sympy.sin(t) * xs[0] + (1 if s == "max" else 0)) for f in (u, v) for w in xs
     for s in ("min", "max")] + [sn.Initial(u, xs[0]), sn.Initial(v, 0)],
    domain={t: (0, 1), **{w: (0, 1) for w in xs}}, name=f"soundness{dim}")
st = lower_to_stencils(system, {w: 9 for w in xs}, order=4)
es = list(st.interior.exprs)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    _checked(optimize(es, invariant=st.invariant, model=CPU), es, st)
print("WRONG" if caught else "ok")
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=24)
    ap.add_argument("--dim", type=int, default=3)
    args = ap.parse_args()
    wrong = 0
    for k in range(args.runs):
        out = subprocess.run([sys.executable, "-c", CASE, str(args.dim)], capture_output=True, text=True,
                             check=True).stdout.strip().splitlines()[-1]
        wrong += out == "WRONG"
        print(f"run {k + 1:3d}: {out}", flush=True)
    print(f"{wrong} of {args.runs} runs gave a wrong program")


if __name__ == "__main__":
    main()
