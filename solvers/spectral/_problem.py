"""Fourier pseudo-spectral discretization of a fully periodic PDESystem.

The state is each field's real FFT (`rfftn` over the spatial axes). The right-hand
side is split symbolically: rhs = L u + N(u, t), where L collects the terms
c * D(x, m)(v) and c * v with c constant (numbers and parameters) and v any field: L
is diagonal in Fourier space per pair of fields, (i k)^m times c (a small matrix per
wavenumber where fields are coupled, diagonalized once), and the Lawson and ETDRK4
integrators (`_lawson.py`) take it exactly. N, everything else, is generated as a
Numba function: fields and derivatives of fields come from the spectrum by one
inverse FFT each, products and functions are formed on the grid, a derivative of
an expression (D(x)(u^2 / 2)) transforms it forward, multiplies and (only where
it is needed on the grid) transforms back. A term c * D(...)(g) at the top of an
equation stays in Fourier space (Burgers' flux: 2 FFTs per evaluation).

With `dealias=True` N's spectrum is cut by the 2/3 rule (the products' aliases fall in
the dropped third); without it the products alias as in most pseudo-spectral codes
(resolve the solution). The FFTs in the compiled code are rocket-fft's (the
`spectral` extra)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace

import numpy as np
import sympy

from symnum._errors import DiscretizationError
from symnum._expressions import Parameter, is_field
from symnum._extras import require
from symnum.codegen._compile import load_source
from symnum.codegen._printing import to_python

from .._stencil import Axis

__all__ = ["SpectralProblem", "spectral_discretize"]


@dataclass(frozen=True)
class SpectralStencil:
    """What the solution objects read of a discretization: its axes."""

    axes: tuple
    order: str = "spectral"
    advection: str = "central"  # (discretize's default: generate_dataset passes it back)


@dataclass(frozen=True)
class Multiplier:
    """A derivative's Fourier symbol: prod_a (i k_a)^(m_a), with the Nyquist mode of an
    odd derivative set to zero (its sine is not represented on the grid)."""

    orders: tuple  # m per axis

    def values(self, axes) -> np.ndarray:
        out = np.ones(_spectral_shape(axes), dtype=complex)
        for a, (axis, m) in enumerate(zip(axes, self.orders)):
            if not m:
                continue
            index = _mode_index(axis.n, last=a == len(axes) - 1)
            if m % 2 and axis.n % 2 == 0:
                index = np.where(np.abs(index) == axis.n // 2, 0.0, index)
            k = 2 * np.pi * index / (axis.hi - axis.lo)
            shape = [1] * len(axes)
            shape[a] = k.size
            out = out * ((1j * k) ** m).reshape(shape)
        return out


def _mode_index(n: int, last: bool) -> np.ndarray:
    """The signed wavenumber index of each entry along an axis of the rfftn spectrum
    (the last axis keeps the non-negative half)."""
    return np.fft.rfftfreq(n, 1.0 / n) if last else np.fft.fftfreq(n, 1.0 / n)


def _spectral_shape(axes) -> tuple:
    return tuple(a.n for a in axes[:-1]) + (axes[-1].n // 2 + 1,)


@dataclass(frozen=True)
class SpectralProblem:
    """A fully periodic system on a uniform grid, discretized by Fourier
    collocation (`discretize(system, grid, order="spectral")`): state `u0` on the
    grid, shape `(n_fields, *grid)`; the split rhs = L u + N(u, t) with L diagonal in
    Fourier space, integrated by Lawson (integrating-factor) Runge-Kutta methods:
    `solve(prob, method="tsit5")` runs Tsit5's tableau in Lawson form with error
    control, so the stiff linear part (diffusion, dispersion) sets no step limit.

    >>> import symnum as sn
    >>> t, x = sn.variables("t x")
    >>> u = sn.fields("u", t, x)
    >>> burgers = sn.PDESystem([sn.Eq(sn.D(t)(u), -sn.D(x)(u**2 / 2) + 0.01 * sn.D(x, 2)(u))],
    ...     [sn.Periodic(x), sn.Initial(u, sn.sin(2 * sn.pi * x))], domain={t: (0, 1), x: (0, 1)},
    ...     name="burgers_doc")
    >>> prob = sn.solvers.discretize(burgers, {x: 128}, order="spectral")   # doctest: +SKIP
    >>> sn.solvers.solve(prob, saveat=11)[u].shape      # doctest: +SKIP
    (11, 128)
    """

    system: object
    stencil: SpectralStencil
    fields: tuple
    params: dict
    u0: np.ndarray
    tspan: tuple | None
    linear: tuple  # per field: ((field index, constant coefficient, Multiplier), ...)
    nonlinear: object = field(repr=False)  # the generated module (nonlinear, integrate)
    multipliers: tuple = field(repr=False, default=())  # the Multipliers N uses, in argument order
    param_order: tuple = ()  # the parameters N reads, in argument order
    coordinates: tuple = ()  # the axes whose coordinates N reads
    backend: str = "numba"
    dealias: bool = False  # N's spectrum (and the initial state's) cut by the 2/3 rule
    algebraic: tuple = ()
    steady: bool = False
    fill_kernel: object = None
    kind: str = "spectral"

    @property
    def shape(self) -> tuple:
        return (len(self.fields), *(a.n for a in self.stencil.axes))

    @property
    def spectral_shape(self) -> tuple:
        return (len(self.fields), *_spectral_shape(self.stencil.axes))

    @property
    def grid(self) -> dict:
        return {a.var: a.coords for a in self.stencil.axes}

    def remake(self, params: dict | None = None, u0=None) -> "SpectralProblem":
        """The same compiled problem with new parameter values and/or initial state."""
        new = dict(self.params)
        for p, v in (params or {}).items():
            if p not in new:
                raise DiscretizationError(
                    f"{p!r} is not a parameter of this problem; its parameters are {tuple(new)}")
            new[p] = float(v)
        prob = replace(self, params=new)
        if u0 is None:
            u0 = self.u0 if not params else _initial_state(prob)
        u0 = np.array(u0, dtype=float)
        if u0.shape != self.shape:
            raise DiscretizationError(f"u0 has shape {u0.shape}: this problem's state has shape {self.shape}")
        return replace(prob, u0=u0)

    # -- the pieces the integrator takes ----------------------------------------------------------

    @property
    def coupled(self) -> bool:
        """Whether L couples fields (I psi_t = psi_xx split into real parts; the wave
        equation reduced to first order): L is then a small matrix per wavenumber."""
        return any(g != k for k, terms in enumerate(self.linear) for g, _, _ in terms)

    def L(self, params: dict | None = None) -> np.ndarray:
        """L's Fourier symbol: per field, shape spectral_shape (real where every linear
        derivative is even: diffusion; complex otherwise: dispersion, advection); for a
        `coupled` problem the matrix per wavenumber, shape `(n_fields, *spectral_shape)`."""
        values = dict(self.params, **(params or {}))
        nf = len(self.fields)
        out = np.zeros((nf, *self.spectral_shape), dtype=complex)
        for k, terms in enumerate(self.linear):
            for g, coef, mult in terms:
                out[k, g] += float(coef.subs(values)) * _multiplier_values(mult, self.stencil.axes)
        if not self.coupled:
            out = np.array([out[k, k] for k in range(nf)])
        return out.real.copy() if not np.any(out.imag) else out

    def modal(self, params: dict | None = None) -> tuple:
        """(Lambda, P, P^-1, R) for the integrator: L = P Lambda P^-1 per wavenumber, the
        state integrated in the eigenvector coordinates W = P^-1 V (Lambda diagonal, taken
        exactly); a wavenumber whose eigenvectors are ill-conditioned (cond > 1e8: a
        defective L, as the wave equation's at k = 0) keeps Lambda = 0, P = I and its L in R,
        applied explicitly beside N. Uncoupled: (L, and 1 x 1 dummies)."""
        L = self.L(params)
        if not self.coupled:
            dummy = np.zeros((1, 1, 1), dtype=complex)
            return L, dummy, dummy, dummy
        nf = len(self.fields)
        mats = np.moveaxis(L.reshape(nf, nf, -1), -1, 0)  # (modes, nf, nf)
        lam, P = np.linalg.eig(mats)
        lam, P = lam.astype(complex), P.astype(complex)  # (real where every eigenvalue is)
        with np.errstate(all="ignore"):
            cond = np.linalg.cond(P)
        bad = ~np.isfinite(cond) | (cond > 1e8)
        eye = np.eye(nf, dtype=complex)
        lam[bad], P[bad] = 0.0, eye
        Pinv = np.linalg.inv(P)
        R = np.zeros_like(mats)
        R[bad] = mats[bad]

        def back(a):  # (modes, nf, nf) -> (nf, nf, *spectral shape), contiguous
            return np.ascontiguousarray(np.moveaxis(a, 0, -1).reshape(nf, nf, *self.spectral_shape[1:]))

        lam = np.ascontiguousarray(lam.T.reshape(nf, *self.spectral_shape[1:]))
        return lam, back(P), back(Pinv), back(R)

    def _arguments(self, params: dict | None = None) -> tuple:
        """N's arguments after (V, t): parameter values, coordinates, multipliers."""
        values = dict(self.params, **(params or {}))
        mesh = np.meshgrid(*(a.coords for a in self.stencil.axes), indexing="ij")
        return (tuple(float(values[p]) for p in self.param_order)
                + tuple(np.ascontiguousarray(mesh[a]).reshape(-1) for a in self.coordinates)
                + tuple(_multiplier_values(m, self.stencil.axes) for m in self.multipliers))

    def to_spectral(self, y) -> np.ndarray:
        y = np.asarray(y, dtype=float).reshape(self.shape)
        return np.fft.rfftn(y, axes=tuple(range(1, y.ndim)))

    def to_grid(self, V) -> np.ndarray:
        return np.fft.irfftn(V, s=self.shape[1:], axes=tuple(range(1, V.ndim)))

    def rhs(self, y, t: float = 0.0) -> np.ndarray:
        """du/dt at the state `y` (shape `(n_fields, *grid)`), on the grid: L u + N(u, t)."""
        V = self.to_spectral(y)
        out = np.empty_like(V)
        self.nonlinear.nonlinear(V, float(t), *self._arguments(), out)
        linear = np.einsum("fg...,g...->f...", self.L(), V) if self.coupled else self.L() * V
        return self.to_grid(linear + out)


@functools.lru_cache(maxsize=64)
def _multiplier_cache(orders, axes):
    return Multiplier(orders).values(axes)


def _multiplier_values(mult: Multiplier, axes) -> np.ndarray:
    return _multiplier_cache(mult.orders, tuple(axes))


def _initial_state(prob: SpectralProblem) -> np.ndarray:
    from .._problem import initial_values

    return initial_values(prob, prob.system)  # (no walls to fill, no algebraic values to solve)


# -- checks -------------------------------------------------------------------------------------------


def _check(system, grid) -> tuple:
    name = getattr(system, "name", "system")
    if getattr(system, "time", None) is None or not getattr(system, "space", ()):
        raise DiscretizationError(
            f"order=\"spectral\" discretizes time-dependent PDEs on periodic domains; {name!r} "
            f"{'is steady' if getattr(system, 'time', None) is None else 'has no spatial variable'}: use "
            f"finite differences (order=2, 4, ...)")
    walled = [v for v in system.space if v not in system.periodic]
    if walled:
        raise DiscretizationError(
            f"order=\"spectral\" needs every spatial axis periodic; {name!r} has walls along "
            f"{', '.join(map(str, walled))}: give sn.Periodic({walled[0]}) or use finite differences "
            f"(order=2, 4, ...), which take walls")
    if system.algebraic or getattr(system, "undetermined", ()):
        raise DiscretizationError(
            f"{name!r} has algebraic equations: order=\"spectral\" integrates D(t)(u) = rhs "
            f"systems only; use finite differences with a Rosenbrock method")
    for special in ("blocks", "surfaces"):
        if getattr(system, special, None) is not None:
            raise DiscretizationError(f"{name!r} has {special}: order=\"spectral\" takes one periodic box")
    if not isinstance(grid, dict) or set(grid) != set(system.space):
        raise DiscretizationError(
            f"grid = {grid!r}: give the number of nodes for each spatial variable "
            f"{tuple(map(str, system.space))}")
    axes = []
    for v in system.space:
        n = grid[v]
        if not isinstance(n, (int, np.integer)) or n < 4:
            raise DiscretizationError(
                f"grid[{v}] = {n!r}: order=\"spectral\" takes a number of nodes (an int >= 4) per "
                f"axis (uniform and periodic: the nodes lo + i (hi - lo) / n)")
        lo, hi = system.domain[v]
        axes.append(Axis(v, sympy.Symbol(f"i_{len(axes)}"), sympy.Symbol(f"h_{len(axes)}"), int(n), float(lo),
                         float(hi), True))
    for f in system.fields:
        missing = [v for v in system.space if v not in f.args]
        if missing:
            raise DiscretizationError(
                f"field {f} does not depend on {', '.join(map(str, missing))}: order=\"spectral\" takes "
                f"fields of every spatial variable")
    for f, rhs in system.rhs.items():
        bad = [a for a in sympy.sympify(rhs).atoms(sympy.Integral, sympy.Subs)]
        bad += [g for g in sympy.sympify(rhs).atoms(sympy.Function)
                if is_field(g) and any(not isinstance(a, sympy.Symbol) for a in g.args)]  # u(t, 0)
        if bad:
            raise DiscretizationError(
                f"the equation of {f} contains {bad[0]}: order=\"spectral\" takes local terms only; use "
                f"finite differences")
    return tuple(axes)


# -- the split and the generated N --------------------------------------------------------------------


def _leaves(expr) -> list:
    """The outermost derivatives and the fields outside every derivative: what a
    pointwise loop reads from grids."""
    if isinstance(expr, sympy.Derivative) or is_field(expr):
        return [expr]
    out = []
    for a in expr.args:
        out += [leaf for leaf in _leaves(a) if leaf not in out]
    return out


def _derivative_orders(d: sympy.Derivative, space) -> tuple:
    counts = dict(d.variable_count)
    return tuple(int(counts.get(v, 0)) for v in space)


def _constant(expr, system) -> bool:
    return not (expr.free_symbols & (set(system.space) | {system.time})) and not any(
        is_field(a) for a in expr.atoms(sympy.Function)) and not expr.atoms(sympy.Derivative)


def _split(system, rhs):
    """(linear terms ((field index, coefficient, Multiplier), ...), the rest): c g and
    c D(x, m)(g) with c constant and g any field of the system."""
    fields = tuple(system.rhs)
    opaque = {g: sympy.Dummy() for g in rhs.atoms(sympy.Derivative) | rhs.atoms(sympy.Function) if not is_field(g)}
    expanded = sympy.expand(rhs.xreplace(opaque)).xreplace({d: g for g, d in opaque.items()})
    linear, rest = [], []
    for term in sympy.Add.make_args(expanded):
        coef, core = term.as_independent(*fields, sympy.Derivative, as_Add=False)
        if core in fields and _constant(coef, system):
            linear.append((fields.index(core), coef, Multiplier((0,) * len(system.space))))
        elif isinstance(core, sympy.Derivative) and core.expr in fields and _constant(coef, system):
            linear.append((fields.index(core.expr), coef, Multiplier(_derivative_orders(core, system.space))))
        else:
            rest.append(term)
    return tuple(linear), sympy.Add(*rest)


class _Generator:
    """Writes `nonlinear(V, t, params..., coordinates..., multipliers..., out)`."""

    def __init__(self, system, axes):
        self.system, self.axes = system, axes
        self.space = tuple(a.var for a in axes)
        self.lines: list[str] = []
        self.multipliers: list[Multiplier] = []
        self.params: list = []
        self.coordinates: list[int] = []
        self.grid_of: dict = {}  # expression -> the name of its values on the grid (flat)
        self.spectrum_of: dict = {}  # expression -> the name of its spectrum
        self.count = 0
        self.fields = tuple(system.rhs)

    def fresh(self, stem):
        self.count += 1
        return f"{stem}{self.count}"

    def multiplier(self, orders) -> str:
        m = Multiplier(orders)
        if m not in self.multipliers:
            self.multipliers.append(m)
        return f"M{self.multipliers.index(m)}"

    def spectrum(self, g) -> str:
        """The name of g's spectrum (computed on first use)."""
        if g in self.spectrum_of:
            return self.spectrum_of[g]
        if is_field(g) and g in self.fields:
            name = f"V[{self.fields.index(g)}]"
        else:
            name = self.fresh("G")
            self.lines.append(f"{name} = np.fft.rfftn({self.on_grid(g)}.reshape(shape))")
        self.spectrum_of[g] = name
        return name

    def on_grid(self, expr) -> str:
        """The name of expr's values on the grid (a flat array)."""
        if expr in self.grid_of:
            return self.grid_of[expr]
        if is_field(expr) and expr in self.fields:
            name = self.fresh("u")
            self.lines.append(f"{name} = np.fft.irfftn({self.spectrum(expr)}, shape).reshape(size)")
        elif isinstance(expr, sympy.Derivative):
            name = self.fresh("d")
            M = self.multiplier(_derivative_orders(expr, self.space))
            self.lines.append(f"{name} = np.fft.irfftn({self.spectrum(expr.expr)} * {M}, shape).reshape(size)")
        else:
            name = self.fresh("g")
            self.pointwise(name, expr)
        self.grid_of[expr] = name
        return name

    def pointwise(self, name, expr):
        """A loop over the nodes evaluating expr from the grids of its fields and derivatives."""
        names = {}
        leaves = _leaves(expr)
        for leaf in leaves:
            if is_field(leaf) and leaf not in self.fields:
                raise DiscretizationError(
                    f"{leaf} is not a field with an equation of {self.system.name!r}: order=\"spectral\" "
                    f"evaluates the system's own fields")
            names[leaf] = f"{self.on_grid(leaf)}[i]"
        outside = expr.xreplace({leaf: sympy.Dummy() for leaf in leaves}).free_symbols  # (not a field's own x, t)
        for s in sorted((s for s in outside if not isinstance(s, sympy.Dummy)), key=str):
            if s in self.space:
                a = self.space.index(s)
                if a not in self.coordinates:
                    self.coordinates.append(a)
                names[s] = f"X{a}[i]"
            elif s == self.system.time:
                names[s] = "t"
            elif isinstance(s, Parameter) or s in self.system.parameters:
                if s not in self.params:
                    self.params.append(s)
                names[s] = f"p{self.params.index(s)}"
            else:
                raise DiscretizationError(f"{s} in the equations of {self.system.name!r} is neither a "
                                          f"variable nor a parameter")
        code = to_python(expr, names)  # (xreplace: a derivative goes whole, its inside is not read here)
        self.lines.append(f"{name} = np.empty(size)")
        self.lines.append("for i in range(size):")
        self.lines.append(f"    {name}[i] = {code}")

    def equation(self, k, rest):
        """out[k] = the spectrum of `rest`: constant-coefficient derivatives at the top in
        Fourier space, the other terms on the grid and transformed once."""
        spectral, grid = [], []
        for term in sympy.Add.make_args(sympy.expand(rest, deep=False, mul=True, multinomial=False,
                                                     power_exp=False, power_base=False, log=False)):
            coef, core = term.as_independent(sympy.Derivative, as_Add=False)
            if isinstance(core, sympy.Derivative) and _constant(coef, self.system):
                spectral.append((coef, core))
            elif term != 0:
                grid.append(term)
        parts = []
        if grid:
            parts.append(f"np.fft.rfftn({self.on_grid(sympy.Add(*grid))}.reshape(shape))")
        for coef, d in spectral:
            c = to_python(coef, {p: f"p{self.param_index(p)}" for p in coef.free_symbols})
            parts.append(f"({c}) * {self.multiplier(_derivative_orders(d, self.space))} * {self.spectrum(d.expr)}")
        self.lines.append(f"out[{k}] = " + (" + ".join(parts) if parts else "0.0"))

    def param_index(self, p):
        if p not in self.params:
            self.params.append(p)
        return self.params.index(p)


def dealias_mask(shape) -> np.ndarray:
    """Orszag's 2/3 rule on the rfftn spectrum of a grid of `shape`: 1 where every
    wavenumber index is at most n / 3 in magnitude, 0 elsewhere."""
    out = np.ones(tuple(shape[:-1]) + (shape[-1] // 2 + 1,))
    for a, n in enumerate(shape):
        keep = (np.abs(_mode_index(n, last=a == len(shape) - 1)) <= n // 3).astype(float)
        out = out * keep.reshape([-1 if b == a else 1 for b in range(len(shape))])
    return out


def _source(gen: _Generator, shape, dealias: bool) -> str:
    args = ["V", "t"] + [f"p{i}" for i in range(len(gen.params))] + [f"X{a}" for a in gen.coordinates] + \
        [f"M{i}" for i in range(len(gen.multipliers))] + ["out"]
    lines = gen.lines
    if dealias:  # N's spectrum truncated by the 2/3 rule: the products' aliases fall in the dropped third
        lines = [ln.replace(" = ", " = (", 1) + ") * mask" if ln.startswith("out[") and not ln.endswith("= 0.0") else ln
                 for ln in lines]
    body = "\n".join("    " + line for line in lines) or "    pass"
    return (
        "import math\n"
        "import numba\n"
        "import numpy as np\n"
        "import rocket_fft  # noqa: F401  (numpy.fft inside numba)\n"
        + ("from symnum.solvers.spectral._problem import dealias_mask\n" if dealias else "") + "\n"
        f"shape = {tuple(shape)!r}\n"
        f"size = {int(np.prod(shape))}\n"
        + ("mask = dealias_mask(shape)\n" if dealias else "") + "\n\n"
        "@numba.njit(cache=True)\n"
        f"def nonlinear({', '.join(args)}):\n"
        f"    \"\"\"N(u, t) of {gen.system.name}: the spectra of the fields in V, the spectra of N in out.\"\"\"\n"
        f"{body}\n"
    )


def spectral_discretize(system, grid, dealias: bool = False) -> SpectralProblem:
    """The SpectralProblem of a fully periodic time-dependent system (see its doc)."""
    require("rocket_fft", "order=\"spectral\" (FFTs in the compiled code)")
    axes = _check(system, grid)
    gen = _Generator(system, axes)
    linear = []
    for k, (f, rhs) in enumerate(system.rhs.items()):
        lin, rest = _split(system, sympy.sympify(rhs))
        linear.append(lin)
        gen.equation(k, rest)
    from ._lawson import integrator_source

    source = _source(gen, [a.n for a in axes], dealias) + integrator_source(len(gen.params), len(gen.coordinates),
                                                                   len(gen.multipliers))
    module = load_source(source, f"spectral_{system.name}")
    params = {p: float(v) for p, v in system.parameters.items()}
    tspan = system.domain.get(system.time) if system.time in system.domain else None
    prob = SpectralProblem(system, SpectralStencil(axes), tuple(system.rhs), params,
                           np.zeros((len(system.rhs), *(a.n for a in axes))), tspan, tuple(linear), module,
                           tuple(gen.multipliers), tuple(gen.params), tuple(gen.coordinates), dealias=bool(dealias))
    return replace(prob, u0=_initial_state(prob))
