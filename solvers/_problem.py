"""`discretize`: PDESystem -> Problem, through the stage IRs

    PDESystem --lower_to_stencils--> StencilSystem --optimize--> Programs
              --make_stencil_kernel--> Kernel

The Problem holds the compiled kernels and the current parameter values;
`remake` swaps values or the initial state and reuses the compiled kernels.
"""

from __future__ import annotations

import functools
import hashlib
import re
import pickle
import time as _time
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse
import scipy.sparse.linalg
import sympy

from symnum._errors import DiscretizationError, SolverError
from symnum._expressions import Parameter
from symnum.codegen._cuda import CudaKernel, make_cuda_source, require_device
from symnum.codegen._stencil_jacobian import StencilJacobian, derivative, make_stencil_jacobian
from symnum.codegen._stencil_kernel import Kernel, RegionCode, make_stencil_kernel
from symnum.codegen._walled_kernel import make_walled_kernel
from symnum.codegen._compile import cache_dir, write_atomic

from ._stencil import STATE, StencilSystem, lower_to_stencils

__all__ = ["Problem", "discretize", "consistent_state", "BACKENDS"]

BACKENDS = ("numba", "numpy", "cuda")


def _node_access(k, nd):
    return STATE[(k, *sympy.symbols(f"i_0:{nd}", integer=True))]


def _region_outputs(stencil: StencilSystem, mode: str, regions=None):
    """Per region (of `regions`, default all): (field indices, expressions) the
    kernel of `mode` assigns. rhs: right-hand sides, 0 at eliminated boundary
    nodes; residual (steady): residuals, `u - formula` at eliminated nodes; fill:
    the boundary formulas."""
    nd = len(stencil.axes)
    out = []
    for r in stencil.regions if regions is None else regions:
        ks, es = [], []
        for k, (e, elim) in enumerate(zip(r.exprs, r.eliminated)):
            if mode == "fill":
                if elim:
                    ks.append(k)
                    es.append(e)
            elif mode == "rhs":
                ks.append(k)
                es.append(sympy.Integer(0) if elim else e)
            else:
                ks.append(k)
                es.append(_node_access(k, nd) - e if elim else e)
        out.append((r.position, tuple(ks), es))
    return out


def _programs(stencil, outputs, do_optimize, model=None):
    """The interior region (the hot loop) is optimized (under `model`: the CPU table,
    or the GPU's for CUDA kernels); the few boundary nodes get CSE."""
    from symnum.rewriting import CPU, cse, optimize  # egglog on first use

    codes = []
    for position, ks, es in outputs:
        if not ks:
            continue
        interior = all(p == ("mid",) for p in position)
        if interior and do_optimize:
            prog = _checked(optimize(es, invariant=stencil.invariant, model=model or CPU), es, stencil)
        else:
            prog = cse(es, invariant=stencil.invariant)
        codes.append(RegionCode(position, ks, prog))
    return codes


def _checked(prog, exprs, stencil):
    """`prog` if it computes `exprs` (at a random point: every state access and scalar a
    number in [0.5, 1.5]), else their plain CSE, with a warning: a wrong optimized
    program would be a silently wrong kernel, and it is stored on disk for later runs."""
    import warnings

    from symnum.rewriting import cse

    rng = np.random.default_rng(0)
    free = sorted(set().union(*(e.free_symbols | e.atoms(sympy.Indexed) for e in exprs)), key=str)
    point = {s: sympy.Float(v) for s, v in zip(free, rng.uniform(0.5, 1.5, len(free)))}
    try:
        with np.errstate(all="ignore"):
            want = [complex(sympy.sympify(e).xreplace(point).evalf()) for e in exprs]
            got = [complex(e.xreplace(point).evalf()) for e in prog.to_sympy()]
    except (TypeError, ValueError, ZeroDivisionError):
        return prog  # not a number at this point (a branch, a pole): nothing to compare
    # Floats of low precision (a discovered coefficient has 6 digits) are combined at
    # their precision when hoisted: as exact as they are, not more
    bits = min((f._prec for e in exprs for f in e.atoms(sympy.Float)), default=53)
    tol = max(1e-9, 16 * 2.0 ** -bits)
    if all(abs(g - w) <= tol * max(1.0, abs(w)) or not np.isfinite(w) for g, w in zip(got, want)):
        return prog
    warnings.warn(
        f"the e-graph's program for {stencil.system.name!r} does not compute its templates "
        f"({got} vs {want} at a random point): a rewriter bug, please report it; using plain "
        f"CSE instead", RuntimeWarning, stacklevel=3)
    return cse(exprs, invariant=stencil.invariant)


def _kernel_args(stencil) -> tuple:
    """What every kernel generator takes after the region programs."""
    return STATE, stencil.axes, stencil.reach, stencil.time, stencil.params


def _global_kernel_args(stencil) -> tuple:
    """The same for the kernels of the global terms' templates, which read the system's
    parameters only (their values are what those kernels compute)."""
    return STATE, stencil.axes, stencil.reach, stencil.time, stencil.base_params


_DIGESTS: dict = {}  # id(stencil) -> (stencil, digest of its templates)


def _digest(obj) -> str:
    """A structural digest of templates (sympy trees in tuples and dataclasses), the
    same in every process for equal templates: a parameter by its name only (its value
    is a kernel argument, so systems that differ in values share kernels), the terms
    of a sum or product in a canonical order, shared subterms hashed once. Pickling
    instead depended on how the templates were built (which equal subterms are one
    object, the order of a sum's arguments): the same grid discretized twice in one
    process got two kernel names and compiled twice; printing took 1.4-1.9 s for a 3-D
    order-4 system with walls, this ~10 ms."""
    memo: dict = {}
    keep = []  # the objects memo's ids refer to stay alive for the call

    def node(tag, parts):
        return hashlib.blake2b(tag.encode() + b"(" + b",".join(parts) + b")", digest_size=16).digest()

    def d(o):
        key = id(o)
        if key in memo:
            return memo[key]
        if isinstance(o, Parameter):
            r = b"P:" + o.name.encode()
        elif isinstance(o, sympy.Basic):
            if not o.args:
                r = sympy.srepr(o).encode()
            else:
                kids = [d(a) for a in o.args]
                if isinstance(o, (sympy.Add, sympy.Mul)):
                    kids.sort()
                r = node(type(o).__name__, kids)
        elif isinstance(o, (tuple, list)):
            r = node("T", [d(a) for a in o])
        elif isinstance(o, dict):
            r = node("D", sorted(d(k) + d(v) for k, v in o.items()))
        elif hasattr(o, "__dataclass_fields__"):
            r = node(type(o).__name__, [d(getattr(o, f)) for f in o.__dataclass_fields__])
        else:
            r = repr(o).encode()
        memo[key] = r
        keep.append(o)
        return r

    return d(obj).hex()


def _name(stencil, mode, backend, order):
    held = _DIGESTS.get(id(stencil))
    if held is None or held[0] is not stencil:
        system = stencil.system
        # the global terms' templates too: an interior point value's weights name its nodes
        # the interior and edge templates: every window and wall formula (the other
        # regions combine them, and are lowered only where a backend needs them)
        held = _DIGESTS[id(stencil)] = (stencil, _digest((system.equations, system.conditions, stencil.edges,
                                                          stencil.integrands)))
        if len(_DIGESTS) > 256:
            _DIGESTS.pop(next(iter(_DIGESTS)))
    key = f"{held[1]}{mode}{backend}{order}"
    # the system's name as an identifier (any name is allowed: "heat 2-D" -> heat_2_D)
    ident = re.sub(r"\W", "_", stencil.system.name, flags=re.ASCII)
    return f"{mode}_{ident}_{hashlib.sha256(key.encode()).hexdigest()[:8]}"


class LazyJacobian:
    """The stencil Jacobian, generated on its first call: the symbolic derivative of
    every region template is the costliest part of code generation, and explicit
    solvers never need it."""

    def __init__(self, make):
        self._make, self._jac = make, None

    def generated(self) -> StencilJacobian:
        if self._jac is None:
            self._jac = self._make()
        return self._jac

    @property
    def source(self) -> str:
        return self.generated().source

    def __call__(self, *args):
        return self.generated()(*args)


PARALLEL_MIN = 1 << 16  # state values from which kernels and stage passes run in threads


@dataclass(frozen=True)
class Problem:
    """A discretized system, ready to solve.

    `u0` has shape `(n_fields, *grid)`; `rhs(y, t)` is du/dt (steady systems:
    `residual(y)`); `jacobian(y, t)` its sparse Jacobian from the symbolic
    stencil derivative; `grid[x]` the coordinates; `kernel.source` the code.

    >>> prob = solvers.discretize(system, {x: 64})       # doctest: +SKIP
    >>> prob.rhs(prob.u0, 0.0).shape, prob.jacobian(prob.u0, 0.0).nnz      # doctest: +SKIP
    >>> prob.remake(params={nu: 0.2})      # the same compiled kernel, a new value  # doctest: +SKIP
    """

    system: object
    stencil: StencilSystem
    backend: str
    kernel: Kernel
    fill_kernel: Kernel | None
    jac: "LazyJacobian"
    u0: np.ndarray
    params: dict
    timings: dict = field(default_factory=dict, compare=False)
    # integral terms: the kernel of the quadrature-weighted integrands (None without)
    global_kernel: Kernel | None = field(default=None, compare=False)
    # the same on the device (backend "cuda"); global_kernel is its host twin
    device_global_kernel: object = field(default=None, compare=False)

    # -- basic facts ------------------------------------------------------------------

    @property
    def grid(self) -> dict:
        return {a.var: a.coords for a in self.stencil.axes}

    @property
    def fields(self) -> tuple:
        return self.stencil.fields

    @property
    def shape(self) -> tuple:
        return (len(self.fields), *(a.n for a in self.stencil.axes))

    @property
    def steady(self) -> bool:
        return self.stencil.steady

    @functools.cached_property
    def algebraic(self) -> tuple:
        """The fields with algebraic equations 0 = g (a DAE), in state order: those of
        the system's algebraic equations, and those whose wall nodes hold a nonlinear
        boundary equation."""
        walls = {k for r in self.stencil.edges for k in range(len(self.fields)) if r.is_algebraic(k)}
        return tuple(f for k, f in enumerate(self.fields) if f in self.system.algebraic or k in walls)

    @functools.cached_property
    def mass(self) -> np.ndarray | None:
        """The diagonal of the mass matrix M of M du/dt = rhs(u, t), over the flattened
        state: 0 at the nodes an algebraic equation determines (an algebraic field's
        nodes, a nonlinear boundary equation's wall nodes), 1 elsewhere (eliminated
        boundary nodes of algebraic fields too: their rhs is 0, they stay put);
        None without algebraic equations."""
        if not self.algebraic:
            return None
        m = np.ones(self.shape)
        for k, f in enumerate(self.fields):
            if f in self.system.algebraic:
                m[k] = 0.0
        for r in self.stencil.regions:
            index = self._region_index(r.position)
            for k in range(len(self.fields)):
                if r.eliminated[k]:
                    m[(k, *index)] = 1.0
                elif r.is_algebraic(k):
                    m[(k, *index)] = 0.0
        return m.reshape(-1)

    def _region_index(self, position) -> tuple:
        """The nodes of a region, as an index into one field's grid."""
        index = []
        for axis, H, p in zip(self.stencil.axes, self.stencil.reach, position):
            if p[0] == "lo":
                index.append(p[1])
            elif p[0] == "hi":
                index.append(axis.n - 1 - p[1])
            elif axis.periodic:
                index.append(slice(None))
            else:
                index.append(slice(H + 1, axis.n - H - 1))
        return tuple(index)

    @property
    def tspan(self) -> tuple | None:
        t = self.system.time
        return None if t is None else self.system.domain[t]

    @functools.cached_property
    def _param_args(self) -> tuple:
        return tuple(self.params[p] for p in self.stencil.base_params)

    @functools.cached_property
    def _scalar_args(self) -> tuple:
        return self._param_args + self.stencil.spacing_args

    def _scalars(self, y=None, t=0.0):
        """The kernels' arguments after (U, out, t): parameters, then the integral terms'
        values at state `y` (systems with integral terms), then spacings or tables."""
        return self._with_globals(None if y is None else self._state(y), t)

    @functools.cached_property
    def loop_kernel(self):
        """The Numba function the compiled loops call as `f(U, out, t, *params, *spacings)`:
        the RHS kernel, or for a system with global terms (integrals, point values) a
        wrapper that computes them from U first."""
        if not self.stencil.globals:
            return self.kernel.fn
        from symnum.codegen._stencil_kernel import make_global_wrapper

        return make_global_wrapper(self.kernel.fn, self.global_kernel.fn, len(self._param_args),
                                   len(self.stencil.globals), len(self.stencil.axes),
                                   f"{self.kernel.fn.__name__}_with_integrals")

    def integrals(self, y, t=0.0) -> tuple:
        """The values of the global terms (`stencil.globals`: integral terms, point
        values) at state `y`: their weighted templates summed over the grid."""
        if not self.stencil.globals:
            return ()
        return tuple(float(v) for v in self._summed(self.global_kernel, self._state(y), t))

    def _with_globals(self, y, t, scalars=None, kernel=None) -> tuple:
        """The kernels' scalars (`scalars`: parameters then spacings, default this
        problem's) with the global terms at state `y` inserted after the parameters,
        summed from `kernel` (default the host's `global_kernel`; the device's on the
        "cuda" backend, only the G sums copied back; an ensemble member's own scalars)."""
        scalars = self._scalar_args if scalars is None else scalars
        if not self.stencil.globals:
            return scalars
        sums = self._summed(kernel or self.global_kernel, y, t, scalars)
        k = len(self._param_args)
        return (*scalars[:k], *(float(v) for v in sums), *scalars[k:])

    def _summed(self, kernel, y, t, scalars=None):
        """Per global term, the sum over the grid of `kernel`'s output (a kernel of the
        terms' weighted templates, or of their time derivatives), on the host."""
        xp = np if isinstance(y, np.ndarray) else require_device()  # a CuPy state: on its device
        w = xp.empty((len(self.stencil.globals), *self.shape[1:]), dtype=y.dtype)
        kernel(y, w, float(t), *(self._scalar_args if scalars is None else scalars))
        sums = w.reshape(len(w), -1).sum(axis=1)
        return sums if xp is np else sums.get()

    def _state(self, y) -> np.ndarray:
        if hasattr(y, "get") and not isinstance(y, np.ndarray):  # pragma: no cover - needs a CUDA device
            y = y.get()  # a CuPy array: host-side work (Jacobian, boundary fill) runs here
        if (
            type(y) is np.ndarray
            and y.dtype == np.float64
            and y.shape == self.shape
            and y.flags.c_contiguous
            and y.flags.writeable  # a walled kernel writes wall values into it and restores them
        ):
            return y  # the hot path of time stepping: no checks, no copies
        y = np.asarray(y, dtype=np.float64)
        size = int(np.prod(self.shape))
        if y.shape not in (self.shape, (size,)):
            # a flat vector (what scipy's integrators pass) or prob.u0's shape; not any
            # reshape of the right size (an axis-swapped state would be silently wrong)
            raise DiscretizationError(
                f"state has shape {y.shape}, but this problem's state has shape {self.shape} "
                f"({size} values): pass an array shaped like prob.u0, or flattened"
            )
        y = np.ascontiguousarray(y.reshape(self.shape))
        return y if y.flags.writeable else y.copy()

    # -- evaluation -------------------------------------------------------------------

    def to_device(self, y):
        """`y` as this backend's array: a CuPy array on the GPU for "cuda", else a NumPy copy."""
        if self.backend == "cuda":
            cupy = require_device()
            dt = cupy.float32 if self.kernel.dtype == "float32" else cupy.float64  # pragma: no cover - device
            return cupy.ascontiguousarray(cupy.asarray(y, dtype=dt).reshape(self.shape))
        return np.array(self._state(y), copy=True)

    def rhs(self, y, t=0.0, out=None):
        """du/dt at state `y` and time `t` (0 at eliminated boundary nodes);
        for a steady problem, the residual. Writes into `out` if given. On the
        "cuda" backend `y`, `out` and the result are CuPy arrays on the device."""
        if self.backend == "cuda":
            y = self.to_device(y)
            if out is None:  # pragma: no cover - on a CUDA device (the gpu tests) from here
                out = require_device().empty_like(y)
            self.kernel(y, out, float(t), *self._with_globals(y, t, kernel=self.device_global_kernel))
            return out
        y = self._state(y)
        if out is None:
            out = np.empty_like(y)
        self._host_kernel(y, out, float(t), *self._scalars(y, t))
        return out

    @functools.cached_property
    def _host_kernel(self):
        """The kernel function `rhs` calls (`sized`)."""
        return self.sized(self.kernel)

    def sized(self, kernel):
        """The function to call of a generated host kernel: on the numba backend, for
        states below PARALLEL_MIN values, its serial twin (a parallel region costs ~2 us
        per call there even on one thread, ~2 ms for a time-derivative kernel of many
        regions on two; and compiling it ~0.4 s more at discretize)."""
        if not self._serial:
            return kernel.fn
        from symnum.codegen._stencil_kernel import SERIAL, twin

        return twin(kernel.fn, SERIAL) or kernel.fn

    @functools.cached_property
    def _serial(self) -> bool:
        """Whether host kernels run their serial twins (`sized`): decided once per problem."""
        return self.backend == "numba" and bool(self.stencil.axes) and int(np.prod(self.shape)) < PARALLEL_MIN

    def residual(self, y) -> np.ndarray:
        """Steady problems: the discrete residual F(y) (zero at the solution)."""
        return self.rhs(y, 0.0)

    def jacobian(self, y, t=0.0):
        """d rhs / d y as scipy.sparse CSR (state flattened in C order), from the
        symbolic derivative of the stencil templates."""
        y = self._state(y)
        scalars = self._scalars(y, t)
        J = self.jac(y, float(t), *scalars)
        if self.stencil.globals:
            J = J + self._global_coupling(y, t, scalars)
        return J

    def _global_coupling(self, y, t, scalars):
        """The global terms' part of the Jacobian (integrals, point values):
        sum_k (d rhs / d g_k) (d g_k / d U)^T, dense between every node that uses g_k and
        every node g_k reads; `scalars` the kernel arguments at (y, t)."""
        kernels, jg = self._global_derivatives
        rows, cols, vals = jg.fn(y, float(t), *self._scalar_args)
        n = y[0].size
        blocks = []
        for k, kernel in enumerate(kernels):
            a = np.empty_like(y)
            kernel(y, a, float(t), *scalars)
            b = np.zeros(y.size)
            mine = rows // n == k
            np.add.at(b, cols[mine], vals[mine])
            a = a.reshape(-1)
            ia, ib = np.flatnonzero(a), np.flatnonzero(b)
            blocks.append(scipy.sparse.coo_matrix(
                (np.outer(a[ia], b[ib]).ravel(), (np.repeat(ia, len(ib)), np.tile(ib, len(ia)))),
                shape=(y.size, y.size)))
        return sum(blocks[1:], blocks[0]).tocsr()

    @functools.cached_property
    def _global_derivatives(self):
        """(per global term g_k: the kernel of d template / d g_k at every node; the
        stencil Jacobian of the terms' weighted templates, whose rows of term k summed
        are d g_k / d U)."""
        stencil = self.stencil
        backend = self._host_backend
        mode = "residual" if stencil.steady else "rhs"
        kernels = []
        for k, g in enumerate(stencil.globals):
            outputs = [(pos, ks, [derivative(e, g) for e in es]) for pos, ks, es in _region_outputs(stencil, mode)]
            kernels.append(make_stencil_kernel(_programs(stencil, outputs, False), *_kernel_args(stencil), backend,
                                               _name(stencil, f"dg{k}", backend, "")))
        jg = make_stencil_jacobian([(r.position, list(enumerate(r.exprs))) for r in stencil.integrands],
                                   *_global_kernel_args(stencil), _name(stencil, "jint", "numpy", ""))
        return kernels, jg

    def time_derivative(self, y, t=0.0) -> np.ndarray | None:
        """d rhs / d t at fixed `y` (the explicit time dependence: forcing, time-dependent
        boundary values), from the symbolic derivative of the stencil templates;
        None for an autonomous problem. Rosenbrock methods need it."""
        kernel, dg = self._time_kernel, self._global_time_kernel
        if kernel is None and dg is None:
            return None
        y = self._state(y)
        out = np.zeros_like(y)
        scalars = self._scalars(y, t)
        if kernel is not None:
            self.sized(kernel)(y, out, float(t), *scalars)
        if dg is not None:  # global terms with explicit time dependence (a wall value g(t))
            a = np.empty_like(y)
            for rate, da in zip(self._summed(dg, y, t), self._global_derivatives[0]):
                if rate:
                    self.sized(da)(y, a, float(t), *scalars)
                    out += rate * a
        return out

    @functools.cached_property
    def _global_time_kernel(self):
        """The kernel of d/dt of the global terms' weighted templates (None when none
        depends on time explicitly)."""
        stencil = self.stencil
        if not stencil.globals or stencil.time is None:
            return None
        outputs = [(r.position, tuple(range(len(r.exprs))), [derivative(e, stencil.time) for e in r.exprs])
                   for r in stencil.integrands]
        if all(e == 0 for _, _, es in outputs for e in es):
            return None
        backend = self._host_backend
        return make_stencil_kernel(_programs(stencil, outputs, False), *_global_kernel_args(stencil), backend,
                                   _name(stencil, "dgdt", backend, ""))

    @property
    def _host_backend(self) -> str:
        """The backend of kernels that run on the host beside the device's (cuda: numpy)."""
        return "numpy" if self.backend == "cuda" else self.backend

    @functools.cached_property
    def _time_kernel(self):
        stencil = self.stencil
        if stencil.time is None:
            return None
        outputs = [(pos, ks, [derivative(e, stencil.time) for e in es])
                   for pos, ks, es in _region_outputs(stencil, "rhs")]
        if all(e == 0 for _, _, es in outputs for e in es):
            return None
        backend = self._host_backend
        return make_stencil_kernel(_programs(stencil, outputs, False), *_kernel_args(stencil), backend,
                                   _name(stencil, "dt", backend, ""))

    def split(self) -> "Split":
        """rhs(u, t) = L u + N(u, t): `L` (scipy.sparse CSR) collects every term linear in
        the fields with a coefficient constant in time (diffusion, linear decay, constant
        advection), assembled once from the stencil templates; `N` is a generated kernel
        for the rest. IMEX integrators treat L implicitly and N explicitly."""
        return self._split

    @functools.cached_property
    def _split(self) -> "Split":
        stencil = self.stencil
        lin, rest = [], []
        for pos, ks, es in _region_outputs(stencil, "rhs"):
            parts = [_linear_part(e, stencil.time, stencil.globals) for e in es]
            lin.append((pos, ks, [a for a, _ in parts]))
            rest.append((pos, ks, [b for _, b in parts]))
        common = _kernel_args(stencil)
        backend = self._host_backend
        jac = make_stencil_jacobian([(pos, list(zip(ks, es))) for pos, ks, es in lin], *common,
                                    _name(stencil, "lin", "numpy", ""))
        zero = np.zeros(self.shape)
        L = jac(zero, 0.0, *self._scalars(zero, 0.0))
        L.eliminate_zeros()
        nonlinear = make_stencil_kernel(_programs(stencil, rest, False), *common, backend,
                                        _name(stencil, "nonlin", backend, ""))
        return Split(L, nonlinear, self)

    def fill_boundaries(self, y, t=0.0) -> np.ndarray:
        """A copy of `y` whose eliminated boundary nodes hold their boundary-condition values."""
        y = self._state(y)
        out = y.copy()
        if self.fill_kernel is not None:
            self.fill_kernel(y, out, float(t), *self._scalars(y, t))
        return out

    def remake(self, params: dict | None = None, u0=None) -> "Problem":
        """The same compiled problem with new parameter values and/or initial state."""
        new = dict(self.params)
        for p, v in (params or {}).items():
            if p not in new:
                raise DiscretizationError(
                    f"{p!r} is not a parameter of this problem; its parameters are {tuple(new)}"
                )
            new[p] = float(v)
        if u0 is None:
            u0 = self.u0 if not params else None
        prob = replace(self, params=new)
        u0 = _initial_state(prob, self.system) if u0 is None else prob._state(u0).copy()
        return replace(prob, u0=u0)


@dataclass(frozen=True)
class Split:
    """`L` (sparse, constant) and `N(y, t)` with rhs(y, t) = L y + N(y, t) (flattened)."""

    L: object
    kernel: Kernel
    problem: Problem = field(repr=False)

    def __iter__(self):
        """`L, N = prob.split()`."""
        return iter((self.L, self.N))

    def N(self, y, t=0.0) -> np.ndarray:
        prob = self.problem
        y = prob._state(y)
        out = np.empty_like(y)
        prob.sized(self.kernel)(y, out, float(t), *prob._scalars(y, t))
        return out


def _linear_part(expr, time, globals_=()):
    """(the terms of `expr` linear in one state access with a coefficient free of the
    state, of time and of the integral terms, the rest): L u + N(u) = expr exactly."""
    # distribute products over sums, but not inside functions and conditions (rounding there
    # must stay that of the kernel: a grid point on a Piecewise boundary must not flip)
    opaque = {f: sympy.Dummy() for f in expr.atoms(sympy.Function, sympy.Piecewise)}
    expr = sympy.expand(expr.xreplace(opaque)).xreplace({d: f for f, d in opaque.items()})
    linear = []
    for term in sympy.Add.make_args(expr):
        accesses = [a for a in term.atoms(sympy.Indexed) if a.base == STATE]
        if len(accesses) != 1:
            continue
        coef, rest = term.as_independent(accesses[0], as_Add=False)
        if rest != accesses[0]:
            continue  # a power or a function of the access
        if (time is not None and coef.has(time)) or coef.has(*globals_):
            continue
        linear.append(term)
    lin = sympy.Add(*linear)
    return lin, expr - lin


def initial_values(prob, system) -> np.ndarray:
    """The system's initial conditions on the problem's grid at its parameter values
    (0 for a field without one): finite differences and Fourier collocation alike."""
    axes = prob.stencil.axes
    mesh = np.meshgrid(*(a.coords for a in axes), indexing="ij")
    u0 = np.zeros(prob.shape)
    for k, f in enumerate(prob.fields):
        expr = system.initial.get(f)
        if expr is None:
            continue
        fn, params = _initial_function(sympy.sympify(expr), tuple(a.var for a in axes))
        u0[k] = np.broadcast_to(fn(*mesh, *(prob.params[p] for p in params)), prob.shape[1:])
    return u0


def _initial_state(prob: Problem, system) -> np.ndarray:
    u0 = initial_values(prob, system)
    t0 = prob.tspan[0] if prob.tspan else 0.0
    u0 = prob.fill_boundaries(u0, t0)
    # a DAE's algebraic values are solved for here, on the host backends; on the
    # device, by the Rosenbrock solve that starts from u0 (the kernel needs a GPU)
    return consistent_state(prob, u0, t0) if prob.algebraic and prob.backend != "cuda" else u0


def consistent_state(prob: Problem, y, t, tol=1e-12, maxiter=50) -> np.ndarray:
    """`y` with its algebraic unknowns solved from 0 = g (Newton, the differential
    ones fixed, the given values the first guess): a DAE's consistent initial values."""
    y = np.array(prob._state(y), dtype=float).reshape(-1)
    alg = np.flatnonzero(prob.mass == 0)
    names = ", ".join(map(str, prob.algebraic))
    for _ in range(maxiter):
        g = prob.rhs(y.reshape(prob.shape), t).reshape(-1)[alg]
        if not np.isfinite(g).all():
            raise SolverError(
                f"the algebraic equations for {names} are not finite at t = {t:g} from the initial "
                f"values: give sn.Initial({prob.algebraic[0]}, guess) closer to the solution"
            )
        J = prob.jacobian(y.reshape(prob.shape), t)[alg][:, alg].tocsc()
        try:
            with np.errstate(all="ignore"):
                dy = scipy.sparse.linalg.spsolve(J, g) if len(alg) > 1 else g / J.toarray()[0]
        except RuntimeError:  # scipy: "Factor is exactly singular"
            dy = np.full(len(alg), np.nan)
        if not np.isfinite(dy).all():
            raise SolverError(
                f"the algebraic equations do not determine {names} at t = {t:g}: their Jacobian in "
                f"those fields is singular (a DAE of index > 1, or an equation that does not "
                f"contain its field); symnum integrates index-1 DAEs, where d g / d v is invertible"
            )
        y[alg] -= np.ravel(dy)
        if np.abs(dy).max(initial=0.0) <= tol * (1.0 + np.abs(y[alg]).max(initial=0.0)):
            return y.reshape(prob.shape)
    raise SolverError(
        f"consistent initial values for {names}: Newton did not converge in {maxiter} iterations "
        f"(|g| = {np.abs(g).max():.3g}): give sn.Initial({prob.algebraic[0]}, guess) closer to the solution"
    )


@functools.lru_cache(maxsize=256)
def _initial_function(expr, variables):
    """(NumPy function of the grid variables and parameters, its parameters):
    generated once per expression, so remaking a problem for new parameter values
    (ensembles: once per member) only evaluates it."""
    params = tuple(sorted((s for s in expr.free_symbols if s not in variables), key=str))
    return sympy.lambdify([*variables, *params], expr, "numpy"), params


def initial_parameters(prob: Problem) -> set:
    """The parameters the initial state depends on."""
    return {p for e in prob.system.initial.values() for p in sympy.sympify(e).free_symbols} & set(prob.params)


_GENERATED: dict = {}  # in-process: (kernel name, dtype, optimize, periodic axes) -> kernels
_JACOBIANS: dict = {}  # in-process: Jacobian name -> LazyJacobian
_PROGRAMS: dict = {}  # in-process: (templates' name, optimize) -> (rhs programs, fill programs)


@functools.lru_cache(maxsize=1)
def _rewriter_version() -> str:
    """A digest of the rewriter's source: stored programs are stale when it changes."""
    from pathlib import Path

    import symnum.rewriting as rw

    root = Path(rw.__file__).parent
    text = "".join(p.read_text() for p in sorted(root.rglob("*.py")))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _stored_programs(key, make):
    """The optimized programs of `key` from the disk cache beside the kernels, or made
    and stored: optimizing (the e-graph) is most of a warm discretize otherwise."""
    # (v3: programs checked against their templates when made, and extracted through a
    # Vec built at extraction time: programs stored before either are not reused)
    digest = hashlib.sha256(f"v3{key}{_rewriter_version()}{sympy.__version__}".encode()).hexdigest()[:24]
    path = cache_dir().parent / "programs" / f"{key[0]}_{digest}.pkl"
    try:
        return pickle.loads(path.read_bytes())
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError):
        pass  # absent, or written by another version: make it again
    programs = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        write_atomic(path, pickle.dumps(programs))
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # an unpicklable program is only not stored
    return programs


def _with_parameters(codes, stencil):
    """`codes` (programs stored by a digest that names parameters only) with the
    stencil's own parameters: a program made for another value of a parameter holds
    an unequal Parameter, which the kernel printers would not know (and print bare)."""
    own = {p.name: p for p in stencil.params if isinstance(p, Parameter)}
    if not own:  # (walking every region's program costs time on 3-D region backends)
        return codes
    swap = {}
    for code in codes:
        for e in (*(e for _, e in code.program.temps), *code.program.outputs):
            swap.update({p: own[p.name] for p in e.atoms(Parameter) if p.name in own and own[p.name] is not p})
    if not swap:
        return codes
    return [replace(c, program=replace(c.program, temps=tuple((s, e.xreplace(swap)) for s, e in c.program.temps),
                                       outputs=tuple(e.xreplace(swap) for e in c.program.outputs),
                                       invariant=frozenset(swap.get(s, s) for s in c.program.invariant)))
            for c in codes]


def _generate(stencil, mode, backend, order, dtype, optimize_kernel, timings):
    """Optimize the region templates and generate the RHS, fill and Jacobian kernels."""
    t0 = _time.perf_counter()
    # the walled Numba kernel needs only the interior's program (the CSE of every
    # other region was 5 s of a 3-D order-4 discretize), and makes its own fill
    walled = backend == "numba" and any(not a.periodic for a in stencil.axes) and stencil.advection != "weno"

    def outputs():
        return _region_outputs(stencil, mode)

    # the programs depend on the backend only through the cost model: the GPU's for CUDA
    gpu = backend == "cuda"
    key = (_name(stencil, mode, "", order), optimize_kernel, walled) + (("gpu",) if gpu else ())
    if not walled:  # stored programs of every region: keyed by all of them (the name digests the edges)
        key += (_digest(stencil.regions),)
    if key not in _PROGRAMS:
        from symnum.rewriting import CPU, GPU

        model = GPU if gpu else CPU

        def make():  # (the kernel's region programs, the fill kernel's)
            if walled:
                return _programs(stencil, _region_outputs(stencil, mode, [stencil.interior]), optimize_kernel, model), ()
            return (_programs(stencil, outputs(), optimize_kernel, model),
                    _programs(stencil, _region_outputs(stencil, "fill"), False))

        _PROGRAMS[key] = _stored_programs(key, make)
    codes, fill = (_with_parameters(programs, stencil) for programs in _PROGRAMS[key])
    timings["optimize"] = _time.perf_counter() - t0
    t0 = _time.perf_counter()
    common = _kernel_args(stencil)
    if backend == "cuda":
        name = _name(stencil, mode, backend, order)
        kernel = CudaKernel(make_cuda_source(codes, *common, name, dtype), name, dtype=dtype)
    elif walled:
        # walls: one hot loop and one generic template near the walls (compile time
        # independent of the number of regions); the other backends keep the regions
        (interior,) = codes  # only the interior's program was made
        kernel, fill_kernel = make_walled_kernel(stencil.lowering(), stencil.targets, stencil.steady, interior, STATE,
                                                 stencil.reach, stencil.wall_depth, _name(stencil, mode, backend, order))
    else:
        kernel = make_stencil_kernel(codes, *common, backend, _name(stencil, mode, backend, order))
    if not walled:
        fill_kernel = (
            make_stencil_kernel(fill, *common, "numpy", _name(stencil, "fill", "numpy", order)) if fill else None
        )
    global_kernel = device_global_kernel = None
    if stencil.integrands:  # the weighted integrands of the integral terms, summed by Problem.integrals
        host = "numpy" if backend == "cuda" else backend
        weighted = [(r.position, tuple(range(len(r.exprs))), list(r.exprs)) for r in stencil.integrands]
        programs = _programs(stencil, weighted, False)
        global_kernel = make_stencil_kernel(programs, *_global_kernel_args(stencil), host,
                                            _name(stencil, "integrands", host, order))
        if backend == "cuda":  # out[g, node]: term g's weighted template, summed on the device
            name = _name(stencil, "integrands", backend, order)
            device_global_kernel = CudaKernel(make_cuda_source(programs, *_global_kernel_args(stencil), name, dtype),
                                              name, dtype=dtype)
    jac_name = _name(stencil, "jac", "numpy", order)
    jac = _JACOBIANS.get(jac_name)  # backend-independent: shared by every backend's problem
    if jac is None:
        jac = _JACOBIANS[jac_name] = LazyJacobian(lambda: make_stencil_jacobian(
            [(pos, [(k, e) for k, e in zip(ks, es)]) for pos, ks, es in outputs()], *common, jac_name))
    timings["codegen"] = _time.perf_counter() - t0
    return kernel, fill_kernel, jac, global_kernel, device_global_kernel


def discretize(
    system,
    grid: dict | None = None,
    order: int = 2,
    backend: str = "numba",
    advection: str = "central",
    optimize_kernel: bool = True,
    dtype: str = "float64",
    dealias: bool = False,
) -> Problem:
    """Discretize `system` by finite differences (method of lines).

    `grid` maps each spatial variable to a number of points (int), a spacing
    (float), or its nodes (an increasing sequence from the domain's lower end to
    its upper end: a non-uniform grid, with Fornberg weights computed at every
    node, not periodic, not on the CUDA backend); `order` is the accuracy order (2, 4, 6, 8) of every stencil,
    including the one-sided ones at walls; `backend` is "numba" (generated
    parallel loops), "numpy" (vectorized reference) or "cuda" (a CUDA C kernel
    for CuPy, one thread per node; `dtype="float32"` optional); with
    `advection="upwind"`, first derivatives times a coefficient use one-sided
    stencils on the side the coefficient's sign says the flow comes from;
    `order=1` with `advection="upwind"` is first-order upwinding (monotone, the
    classic donor-cell scheme) with order-2 stencils for every other derivative;
    `advection="weno"` gives those first derivatives fifth-order WENO (Jiang-Shu),
    with the upwind-biased stencils of `order` where WENO's would pass a wall.
    `order="spectral"` (fully periodic systems, a number of nodes per axis): Fourier
    collocation, a `SpectralProblem` whose linear constant-coefficient part `solve`
    takes exactly (Lawson integrators; the `spectral` extra, rocket-fft); `dealias=True`
    cuts the nonlinear terms' spectra (and the initial state's) by the 2/3 rule.

    >>> import symnum as sn
    >>> t, x = sn.variables("t x")
    >>> u = sn.fields("u", t, x)
    >>> heat = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u))],
    ...     [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 0), sn.Initial(u, sn.sin(sn.pi*x))],
    ...     domain={t: (0, 0.1), x: (0, 1)}, name="heat")
    >>> prob = discretize(heat, {x: 33}, backend="numpy")
    >>> prob.u0.shape
    (1, 33)
    """
    if isinstance(order, str) and order == "spectral":
        if backend != "numba" or advection != "central" or dtype != "float64":
            raise DiscretizationError(
                f"order=\"spectral\" takes the numba backend in float64 and no advection scheme (got "
                f"backend={backend!r}, advection={advection!r}, dtype={dtype!r})")
        from .spectral import spectral_discretize

        return spectral_discretize(system, grid, dealias)
    if dealias:
        raise DiscretizationError(
            f"dealias=True is for order=\"spectral\" (the 2/3 rule on the products' spectra); "
            f"order={order!r} has no spectrum to cut")
    if backend not in BACKENDS:
        raise DiscretizationError(f"backend={backend!r}: use one of {BACKENDS}")
    if backend == "cuda" and not system.space:
        raise DiscretizationError(
            f"{system.name!r} has no spatial grid: the CUDA backend parallelizes over grid "
            f"nodes; use backend=\"numba\" for an ODE system"
        )
    if dtype not in ("float64", "float32"):
        raise DiscretizationError(f"dtype={dtype!r}: use \"float64\" or \"float32\"")
    if dtype == "float32" and backend != "cuda":
        raise DiscretizationError(
            f"dtype=\"float32\" is for backend=\"cuda\"; the {backend} backend computes in float64"
        )
    timings = {}
    t0 = _time.perf_counter()
    if grid is None and not getattr(system, "space", True):
        grid = {}
    blocks = getattr(system, "blocks", None)
    if blocks is not None and isinstance(grid, dict) and not blocks.shared(grid):
        # blocks whose nodes differ: each discretized on its own, joined at its interfaces
        from ._composite import discretize_blocks

        return discretize_blocks(system, grid, order, backend, advection, optimize_kernel)
    stencil = lower_to_stencils(system, grid, order, advection)
    if backend == "cuda" and not all(a.uniform for a in stencil.axes):
        raise DiscretizationError(
            f"the grid of {', '.join(str(a.var) for a in stencil.axes if not a.uniform)} is non-uniform "
            f"(a sequence of nodes): the CUDA backend takes uniform grids; use backend=\"numba\" "
            f"or a number of points"
        )
    timings["lower"] = _time.perf_counter() - t0
    mode = "residual" if stencil.steady else "rhs"
    # The templates do not depend on the number of points (it is read from the
    # array's shape), so a new grid for the same system reuses what was generated.
    key = (_name(stencil, mode, backend, order), dtype, optimize_kernel, tuple(a.periodic for a in stencil.axes))
    if key in _GENERATED:
        kernel, fill_kernel, jac, global_kernel, device_global_kernel = _GENERATED[key]
        timings.update(optimize=0.0, codegen=0.0)
    else:
        kernel, fill_kernel, jac, global_kernel, device_global_kernel = _GENERATED[key] = _generate(
            stencil, mode, backend, order, dtype, optimize_kernel, timings)
    params = dict(system.parameters)
    prob = Problem(system, stencil, backend, kernel, fill_kernel, jac, np.zeros(0), params, timings, global_kernel,
                   device_global_kernel)
    if backend == "numba":  # the CUDA kernel is built on first launch, on the device
        t0 = _time.perf_counter()
        prob.rhs(np.zeros(prob.shape), 0.0)  # compile now (or load Numba's cache)
        timings["compile"] = _time.perf_counter() - t0
    return replace(prob, u0=_initial_state(prob, system))
