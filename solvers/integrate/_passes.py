"""The arithmetic of one explicit Runge-Kutta step, as passes over the state,
for the Python-driven step loop (`_explicit._array_loop`):

- `ArrayPasses`: array expressions (NumPy, or CuPy): the readable reference the
  compiled loop is tested against; the numpy backend's loop.
- `KernelPasses`: the fused CUDA kernels of `symnum.codegen._cuda_stages` (one
  launch per stage state, one for the update with its error norm); the cuda
  backend's loop on a device, or on the host through the harness in the tests.

Both take the same steps; the sums differ only in the order of their terms.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ._dense import dense_weights, hermite_weights

__all__ = ["ArrayPasses", "KernelPasses", "error_norm", "cuda_passes"]


def error_norm(tab, hs, acc, acc3, n) -> float:
    """The scaled RMS error of a step from the sums of squares of the estimates
    (`acc` includes h; DOP853: both estimates without h, combined as Hairer does)."""
    if tab.b_error3:
        den = acc + 0.01 * acc3
        return abs(hs) * acc / math.sqrt(den * n) if den > 0.0 else 0.0
    return math.sqrt(acc / n)


class ArrayPasses:
    """Each pass as array expressions."""

    def __init__(self, tab, prob, xp=np):
        self.tab, self.xp, self.rhs, self.to_device = tab, xp, prob.rhs, prob.to_device

    def stage(self, i, y, ks, hs):
        yi = y
        for j, a in enumerate(self.tab.row(i)):
            if a != 0.0:
                yi = yi + (hs * a) * ks[j]
        return yi

    def _update(self, y, ks, hs):
        y_new = y
        for i in range(self.tab.stages):
            if self.tab.b[i] != 0.0:
                y_new = y_new + (hs * self.tab.b[i]) * ks[i]
        return y_new

    def update(self, y, ks, yi, hs, rtol, atol):
        """(y_new, error norm, y_new finite)"""
        tab, xp = self.tab, self.xp
        y_new = yi if tab.fsal else self._update(y, ks, hs)
        finite = bool(xp.isfinite(y_new.sum()))
        sc = atol + rtol * xp.maximum(xp.abs(y), xp.abs(y_new))
        e = sum(tab.b_error[i] * ks[i] for i in range(tab.stages) if tab.b_error[i] != 0.0) / sc
        acc3 = 0.0
        if tab.b_error3:
            e3 = sum(tab.b_error3[i] * ks[i] for i in range(tab.stages) if tab.b_error3[i] != 0.0) / sc
            acc, acc3 = float((e * e).sum()), float((e3 * e3).sum())
        else:
            acc = float(((hs * e) ** 2).sum())
        return y_new, error_norm(tab, hs, acc, acc3, e.size), finite

    def fixed(self, y, ks, hs, phase, dprev):
        """(y_new, finite, dprev, sums): phase 1 stores the increment in dprev,
        phase 2 returns (rough, |dprev|^2, |y_new|^2) for the divergence check."""
        xp = self.xp
        y_new = self._update(y, ks, hs)
        finite = bool(xp.isfinite(y_new.sum()))
        sums = None
        if phase == 1:
            dprev = y_new - y
        elif phase == 2:
            d = (y_new - y) - dprev
            sums = float((d * d).sum()), float((dprev * dprev).sum()), float((y_new * y_new).sum())
        return y_new, finite, dprev, sums

    def dense(self, y, ks, th, hs):
        o = y
        for i, w in dense_weights(self.tab, th, hs).items():
            o = o + w * ks[i]
        return o

    def hermite(self, y, k0, y_new, k_end, th, hs):
        c00, c10, c01, c11 = hermite_weights(th, hs)
        return c00 * y + c10 * k0 + c01 * y_new + c11 * k_end


class KernelPasses:
    """Each pass one launch of a generated CUDA kernel (`launch[name](blocks,
    threads, *args)`), on a device (CuPy arrays) or the host harness (NumPy)."""

    def __init__(self, tab, stages, launch, rhs, to_device, xp=np):
        self.tab, self.k, self.launch, self.rhs, self.to_device, self.xp = tab, stages, launch, rhs, to_device, xp

    def _run(self, what, n, *args):
        from symnum.codegen._cuda_stages import grid_for

        blocks, threads = grid_for(n)
        name = self.k.name(what)
        partials = None
        if self.k.sums[name]:
            partials = self.xp.empty(len(self.k.sums[name]) * blocks * threads)
            args = [partials if a is _PARTIALS else a for a in args]
        self.launch[name](blocks, threads, *args)
        if partials is not None:
            return [float(v) for v in partials.reshape(len(self.k.sums[name]), -1).sum(axis=1)]
        return None

    def stage(self, i, y, ks, hs):
        row = self.tab.row(i)
        js = [j for j, a in enumerate(row) if a != 0.0]
        out = self.xp.empty_like(y)
        self._run(f"stage{i}", y.size, y, *(ks[j] for j in js), out, *(hs * row[j] for j in js), y.size)
        return out

    def update(self, y, ks, yi, hs, rtol, atol):
        tab = self.tab
        s = tab.stages
        es = {i for i in range(s) if tab.b_error[i] != 0.0 or (tab.b_error3 and tab.b_error3[i] != 0.0)}
        bs = [i for i in range(s) if tab.b[i] != 0.0]
        used = sorted(es | (set() if tab.fsal else set(bs)))
        y_new = yi if tab.fsal else self.xp.empty_like(y)
        hb = [] if tab.fsal else [hs * tab.b[i] for i in bs]
        sums = self._run("update", y.size, y, *(ks[i] for i in used), y_new, _PARTIALS, *hb, hs, rtol, atol, y.size)
        acc, fin = sums[0], sums[1]
        acc3 = sums[2] if tab.b_error3 else 0.0
        return y_new, error_norm(tab, hs, acc, acc3, y.size), math.isfinite(fin)

    def fixed(self, y, ks, hs, phase, dprev):
        bs = [i for i in range(self.tab.stages) if self.tab.b[i] != 0.0]
        y_new = self.xp.empty_like(y)
        if phase == 1:
            dprev = self.xp.empty_like(y)
        store = y_new if dprev is None else dprev  # phase 0 never touches dprev
        fin, rough, dsize, ysq = self._run("fixed", y.size, y, *(ks[i] for i in bs), y_new, store, _PARTIALS,
                                           *(hs * self.tab.b[i] for i in bs), phase, y.size)
        return y_new, math.isfinite(fin), dprev, ((rough, dsize, ysq) if phase == 2 else None)

    def dense(self, y, ks, th, hs):
        w = dense_weights(self.tab, th, hs)
        out = self.xp.empty_like(y)
        self._run("dense", y.size, y, *(ks[i] for i in w), out, *w.values(), y.size)
        return out

    def hermite(self, y, k0, y_new, k_end, th, hs):
        out = self.xp.empty_like(y)
        self._run("hermite", y.size, y, k0, y_new, k_end, out, *hermite_weights(th, hs), y.size)
        return out


_PARTIALS = object()  # where a kernel's partial-sum buffer goes in its arguments


@functools.lru_cache(maxsize=None)
def _stages(tab, dtype):
    from symnum.codegen._cuda_stages import make_cuda_stages

    prefix = f"rk_{tab.name}{'' if tab.adaptive else '_fixed'}"
    return make_cuda_stages(tab, prefix, dtype)


def cuda_passes(tab, prob, host=False):
    """The fused-kernel passes of `tab` for the cuda problem `prob`: on its device,
    or (`host=True`) through the host harness with the RHS kernel's host build."""
    from symnum.codegen import _cuda_stages

    stages = _stages(tab, prob.kernel.dtype)
    if host:
        from symnum.codegen._cuda import host_harness

        k, nd, g = prob.kernel, len(prob.stencil.axes), len(prob.stencil.globals)
        n_args = len(prob._scalar_args)
        rhs_host = host_harness(k.source, k.name, nd, n_args + g, k.dtype)
        dt = np.float32 if k.dtype == "float32" else np.float64
        integrands = None
        if g:  # the global terms' device kernel, run by the harness too (as Problem.rhs on the device)
            gk = prob.device_global_kernel
            integrands = host_harness(gk.source, gk.name, nd, n_args, gk.dtype)

        def rhs(y, t, out=None):
            return rhs_host(y, np.empty_like(y) if out is None else out, t, *prob._with_globals(y, t, kernel=integrands))

        def to_device(y):
            return np.array(prob._state(y), dtype=dt)

        return KernelPasses(tab, stages, _cuda_stages.host_module(stages), rhs, to_device, np)
    from symnum.codegen._cuda import require_device

    cupy = require_device()  # a CompilationError that says what to do, without a device
    return KernelPasses(tab, stages, _cuda_stages.device_module(stages), prob.rhs, prob.to_device,  # pragma: no cover
                        cupy)
