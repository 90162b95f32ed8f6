"""`discover`: recover governing equations from data, as symnum systems.

Weak-form sparse regression (WSINDy, Messenger & Bortz 2021) by default.
The candidate library is symbolic: terms `D^a(m)`, spatial derivatives of
monomials m of the fields, up to `max_order` and `max_degree`, plus any
pointwise sympy terms the user adds. In the weak form every derivative moves
onto compactly supported, separable polynomial test functions by integration
by parts,

    int phi u_t = - int phi_t u,    int phi D^a(m) = (-1)^|a| int (D^a phi) m,

so the data are never differentiated: monomials are evaluated pointwise by a
generated kernel (codegen), and the integrals against every test function are
separable correlations. Sparsity: modified sequentially thresholded least
squares (MSTLS) whose threshold is chosen on a path by the loss
||G (w - w_ls)|| / ||G w_ls|| + ||w||_0 / J, then a bootstrap over test
functions gives each coefficient's spread.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import scipy.ndimage
import sympy

from symnum._errors import SolverError
from symnum._expressions import is_field
from symnum._system import ODESystem, PDESystem
from symnum.codegen import make_pointwise

from ._fornberg import centered_offsets, fornberg_weights

__all__ = ["discover", "Discovery", "library_terms"]


@dataclass(frozen=True)
class Discovery:
    """What `discover` found: `.equations` (sympy), `.coefficients`
    {field: {term: value}}, `.uncertainty` {field: {term: bootstrap std}},
    `.score` {field: R^2 of the weak-form fit}.

    >>> found.coefficients[u], found.uncertainty[u]      # doctest: +SKIP
    >>> again = found.to_system(bcs=[sn.Periodic(x), sn.Initial(u, u0)], domain={t: (0, 10), x: (-8, 8)})  # doctest: +SKIP
    """

    equations: tuple
    coefficients: dict
    uncertainty: dict
    score: dict
    time: sympy.Symbol
    space: tuple
    library: tuple = field(repr=False)

    def to_system(self, bcs=(), domain=None, name="discovered"):
        """The discovered equations as a PDESystem (ODESystem without space) to
        simulate again: give boundary and initial conditions and the domain."""
        cls = PDESystem if self.space else ODESystem
        return cls(list(self.equations), list(bcs), domain=domain, name=name)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.equations)


def _as_arrays(data, grid):
    from .integrate import Solution

    if isinstance(data, Solution):
        prob = data.problem
        if data.t is None:
            raise SolverError("discover() needs time-dependent data; this Solution is steady")
        t = prob.system.time
        grid = {t: np.asarray(data.t), **{v: np.asarray(c) for v, c in prob.grid.items()}}
        data = {f: data[f] for f in prob.fields}
    if not isinstance(data, dict) or not data:
        raise SolverError(
            f"discover() takes a Solution or a dict {{field: array}} with grid={{t: T, x: X}}, got {type(data).__name__}"
        )
    for f in data:
        if not is_field(f):
            raise SolverError(f"data key {f!r} is not a field from sn.fields(...)")
    fields = tuple(data)
    args = fields[0].args
    for f in fields[1:]:
        if f.args != args:
            raise SolverError(f"fields {fields[0]} and {f} have different arguments: give fields of the same variables")
    if grid is None or set(grid) != set(args):
        raise SolverError(
            f"grid must give coordinates for each of {args}, e.g. grid={{{', '.join(f'{v}: {v}_values' for v in args)}}}; got {None if grid is None else tuple(grid)}"
        )
    coords = [np.asarray(grid[v], dtype=float).ravel() for v in args]
    shape = tuple(len(c) for c in coords)
    arrays = {}
    for f, a in data.items():
        a = np.asarray(a, dtype=float)
        if a.shape != shape:
            raise SolverError(
                f"data for {f} has shape {a.shape}, but the grid {args} has {shape}: axes follow the field's "
                f"arguments, e.g. u(t, x) -> (len(t), len(x))"
            )
        if not np.isfinite(a).all():
            raise SolverError(f"data for {f} contains {int((~np.isfinite(a)).sum())} NaN/inf values: remove or fill them")
        arrays[f] = a
    for v, c in zip(args, coords):
        d = np.diff(c)
        if len(c) < 8:
            raise SolverError(f"only {len(c)} samples along {v}: give at least 8 (weak-form test functions need room)")
        if not np.allclose(d, d[0], rtol=1e-6, atol=1e-12 * max(1.0, abs(c).max())):
            raise SolverError(f"the grid along {v} is not uniform: resample the data onto a uniform grid")
    return fields, args, coords, arrays


def library_terms(fields, space, max_order, max_degree):
    """The symbolic library: D^a(m) for monomials m of `fields` of degree
    <= max_degree (degree >= 1 when differentiated), |a| <= max_order."""
    monomials = [sympy.Integer(1)]
    for deg in range(1, max_degree + 1):
        for combo in itertools.combinations_with_replacement(fields, deg):
            monomials.append(sympy.Mul(*combo))
    derivs = [()]
    for order in range(1, max_order + 1):
        derivs += list(itertools.combinations_with_replacement(space, order))
    terms = []
    for a in derivs:
        for m in monomials:
            if a and m == 1:
                continue
            terms.append((m, a))
    return terms


def _bump_derivatives(r_points, h, p, max_k):
    """Samples of phi(s) = (1 - (s/(r h))^2)^p and its derivatives up to max_k
    at s = k h, k = -r..r (physical units)."""
    s = sympy.Symbol("s", real=True)
    phi = (1 - (s / (r_points * h)) ** 2) ** p
    offsets = np.arange(-r_points, r_points + 1) * h
    out = []
    for k in range(max_k + 1):
        fn = sympy.lambdify(s, sympy.diff(phi, s, k), "numpy")
        out.append(np.broadcast_to(fn(offsets), offsets.shape).astype(float))
    return out


def _corner(values, axis):
    """The highest wavenumber (in cycles over the axis) that carries signal above
    the noise floor: 99.9% of the spectral energy left after removing three
    times the median power of the upper half of the spectrum (white noise)."""
    a = np.moveaxis(values, axis, 0)
    a = a - a.mean(axis=0, keepdims=True)
    P = (np.abs(np.fft.rfft(a, axis=0)) ** 2).reshape(a.shape[0] // 2 + 1, -1).mean(axis=1)
    floor = np.median(P[len(P) // 2 :])
    S = np.clip(P - 3 * floor, 0, None)
    if S.sum() == 0:
        return len(P)
    return int(np.searchsorted(np.cumsum(S) / S.sum(), 0.999)) + 1


def _support(values, axis, scale):
    """Test-function half-width in points: `scale` wavelengths of the highest
    resolved mode, within [4, n/4]."""
    n = values.shape[axis]
    return int(max(4, min(n // 4, round(scale * n / _corner(values, axis)))))


def _mstls(G, b, thresholds):
    """MSTLS on column-normalized G and normalized b: at threshold lam a term is
    kept while lam <= |w_j| <= 1/lam (WSINDy's bounds); the threshold minimizing
    ||G (w - w_ls)|| / ||G w_ls|| + ||w||_0 / J wins."""
    norms = np.linalg.norm(G, axis=0)
    norms[norms == 0] = 1.0
    A = G / norms
    bnorm = max(np.linalg.norm(b), 1e-300)
    bh = b / bnorm
    w_ls = np.linalg.lstsq(A, bh, rcond=None)[0]
    J = A.shape[1]
    fit_ls = max(np.linalg.norm(A @ w_ls), 1e-300)
    best, best_loss = w_ls, np.inf
    for lam in thresholds:
        keep = np.ones(J, bool)
        w = w_ls.copy()
        for _ in range(J):
            new_keep = keep & (np.abs(w) >= lam) & (np.abs(w) <= 1 / lam)
            if not new_keep.any():
                w = np.zeros(J)
                break
            w = np.zeros(J)
            w[new_keep] = np.linalg.lstsq(A[:, new_keep], bh, rcond=None)[0]
            if (new_keep == keep).all():
                break
            keep = new_keep
        loss = np.linalg.norm(A @ (w - w_ls)) / fit_ls + np.count_nonzero(w) / J
        if loss < best_loss:
            best, best_loss = w, loss
    return best * bnorm / norms


def discover(
    data,
    grid=None,
    max_order: int | None = None,
    max_degree: int | None = None,
    terms=(),
    support: float = 1.5,
    stride: float = 0.5,
    method: str = "weak",
    bootstrap: int = 20,
    seed: int = 0,
) -> Discovery:
    """Find `u_t = sum_j c_j theta_j(u)` for every field from `data`.

    `data` is a `Solution` or `{field: array}` with `grid={t: T, x: X, ...}`;
    array axes follow the field's arguments. `max_order` (default 4 in 1D, 2 in
    2D, 0 for ODEs) and `max_degree` (default 2 for ODEs, 3 for PDEs) bound the
    library; `terms` adds pointwise
    sympy terms. Test functions are `support` wavelengths of the highest mode
    the data resolve above their noise floor wide (half-width), spaced `stride`
    half-widths apart. `method="strong"` instead differentiates the data by
    4th-order finite differences (PDE-FIND; accurate on clean data only).

    >>> found = solvers.discover({u: U}, grid={t: T, x: X})      # doctest: +SKIP
    >>> found.equations       # [Eq(Derivative(u, t), -0.9998*u*Derivative(u, x) + 0.1*Derivative(u, (x, 2)))]  # doctest: +SKIP
    """
    if method not in ("weak", "strong"):
        raise SolverError(f"method={method!r}: use \"weak\" (default) or \"strong\" (finite differences)")
    fields, args, coords, arrays = _as_arrays(data, grid)
    t, space = args[0], args[1:]
    if max_order is None:
        max_order = {0: 0, 1: 4}.get(len(space), 2)
    if max_degree is None:
        # ODEs: quadratic (Lorenz, Lotka-Volterra, mass action); PDEs: cubic (u**2*v)
        max_degree = 2 if not space else 3
    lib = library_terms(fields, space, max_order, max_degree)
    for extra in terms:
        lib.append((sympy.sympify(extra), ()))
    h = [c[1] - c[0] for c in coords]
    shape = arrays[fields[0]].shape
    # pointwise values of every distinct monomial / user term, by one generated kernel
    pointwise = list(dict.fromkeys(m for m, _ in lib))
    mesh = np.meshgrid(*coords, indexing="ij")
    inputs = list(fields) + list(args)
    kernel = make_pointwise(pointwise, inputs, name="library")
    values = kernel([arrays[f] for f in fields] + [m for m in mesh]).reshape(len(pointwise), *shape)
    value_of = {m: values[k] for k, m in enumerate(pointwise)}
    # separable test functions: half-widths, smoothness, samples of derivatives
    stacked = np.stack([arrays[f] for f in fields], axis=-1)
    r = [_support(stacked, a, support) for a in range(len(args))]
    p_axis = [3] + [max_order + 2] * len(space)
    kernels = [_bump_derivatives(r[a], h[a], p_axis[a], max(1, max_order if a else 1)) for a in range(len(args))]
    centers = [np.arange(r[a], shape[a] - r[a], max(1, int(stride * r[a]))) for a in range(len(args))]
    if any(len(c) == 0 for c in centers):
        raise SolverError(f"too few samples for test functions of half-width {r} points: give more data or lower support=")
    index = np.ix_(*centers)

    def weak(values_array, orders):
        out = values_array
        for a, k in enumerate(orders):
            out = scipy.ndimage.correlate1d(out, kernels[a][k], axis=a, mode="constant")
        return out[index].ravel() * np.prod(h)

    if method == "strong":
        edge = max_order + 2  # central 4th-order stencils reach (order + 1) // 2 + 1 nodes

        def strong(values_array, orders):
            out = values_array
            for a, k in enumerate(orders):
                if k:
                    offs = centered_offsets(k, 4)
                    w = np.array([float(c) for c in fornberg_weights(offs, k)]) / h[a] ** k
                    out = scipy.ndimage.correlate1d(out, w, axis=a, mode="nearest")
            inner = tuple(slice(edge, n - edge, max(1, (n - 2 * edge) // 64)) for n in shape)
            return out[inner].ravel()

    # a column: the weak integrals against every test function, or the pointwise values
    project = strong if method == "strong" else weak
    G = np.empty((project(values[0], [0] * len(args)).size, len(lib)))
    for j, (m, alpha) in enumerate(lib):
        orders = [0] * len(args)
        for v in alpha:
            orders[args.index(v)] += 1
        sign = 1 if method == "strong" else (-1) ** len(alpha)
        G[:, j] = sign * project(value_of[m], orders)
    if G.shape[0] < 2 * G.shape[1]:
        raise SolverError(
            f"too few samples for the library: {G.shape[0]} test functions (or points) for "
            f"{G.shape[1]} candidate terms; give more data, or a smaller library "
            f"(max_order=, max_degree=) or smaller support="
        )
    thresholds = np.logspace(-4, 0, 60)
    rng = np.random.default_rng(seed)
    equations, coefficients, uncertainty, score = [], {}, {}, {}
    for f in fields:
        b = (1 if method == "strong" else -1) * project(arrays[f], [1] + [0] * len(space))
        w = _mstls(G, b, thresholds)
        support_j = np.flatnonzero(w)
        boots = []
        for _ in range(bootstrap):
            rows = rng.integers(0, len(b), len(b))
            wb = np.zeros(len(lib))
            if support_j.size:
                wb[support_j] = np.linalg.lstsq(G[rows][:, support_j], b[rows], rcond=None)[0]
            boots.append(wb)
        spread = np.std(boots, axis=0) if bootstrap else np.zeros(len(lib))
        resid = b - G @ w
        score[f] = float(1 - resid @ resid / max(b @ b, 1e-300))
        rhs = sympy.Integer(0)
        coefs, errs = {}, {}
        for j in support_j:
            m, alpha = lib[j]
            term = sympy.Derivative(m, *alpha).doit() if alpha else m
            rhs += sympy.Float(w[j], 6) * term
        rhs = sympy.expand(rhs)
        for term_value in sympy.Add.make_args(rhs):
            c, term = term_value.as_coeff_Mul()
            coefs[term] = float(c)
        for j in support_j:  # keyed as the coefficients are: by the expanded terms
            m, alpha = lib[j]
            expanded = sympy.expand(sympy.Derivative(m, *alpha).doit() if alpha else m)
            for part in sympy.Add.make_args(expanded):
                c, term = part.as_coeff_Mul()
                # library terms sharing an expanded term: spreads added in quadrature
                errs[term] = float(np.hypot(errs.get(term, 0.0), float(c) * spread[j]))
        coefficients[f], uncertainty[f] = coefs, errs
        equations.append(sympy.Eq(sympy.Derivative(f, t), rhs, evaluate=False))
    return Discovery(tuple(equations), coefficients, uncertainty, score, t, space, tuple(lib))
