"""Physics-informed neural networks on JAX, from the same PDESystem.

The residual is GENERATED from the symbolic equations (codegen's JAX
backend, after `rewriting.optimize`): every derivative of a field becomes a
forward-mode derivative of the network over the whole batch (nested `jvp`:
the network is pointwise, so one jvp with a one-hot tangent differentiates
every row at once). Parameters are arguments; `learn=[nu]` makes them trainable.

Losses: PDE residual on collocation points (uniform, Sobol, or
residual-based adaptive resampling), initial conditions, Dirichlet / Neumann /
Robin conditions, observations. Periodic variables enter the network through
(cos, sin) features, which makes the solution exactly periodic
(`periodic="encode"`), or are matched across the period in the loss
(`periodic="loss"`). `hard=True` builds Dirichlet and initial values into the
model (Coons lift + vanishing factor times the network). Optional causal
weighting of the residual in time (Wang, Sankaran & Perdikaris 2022) and
gradient-norm balancing of the loss terms. Adam (optax), then optional
L-BFGS (scipy's L-BFGS-B on a compiled loss and gradient); with RAD sampling,
L-BFGS runs in rounds on resampled points.
"""

from __future__ import annotations

import functools
import itertools
import math
import time as _time
import warnings
from dataclasses import dataclass, field

import numpy as np
import sympy

from symnum._errors import ModelError, SolverError
from symnum._conditions import Neumann
from symnum._expressions import is_field
from symnum._system import ODESystem, PDESystem
from symnum.codegen._jax import make_jax_function

from ._generated import (FractionalLaplacianTerm, FractionalTerm, boundary_equations, check_conditions, generated_conditions,
                         generated_expressions, generated_residual, require_jax)

__all__ = ["PINN", "PINNResult"]


def _jax():
    jax = require_jax("The PINN trainer")
    if not _Observed.registered:  # a pytree whose kind is static (jit does not trace it)
        jax.tree_util.register_pytree_node(_Observed, lambda o: ((o.z, o.values), o.kind),
                                           lambda kind, children: _Observed(kind, *children))
        _Observed.registered = True
    return jax


@dataclass(frozen=True, eq=False)
class _Observed:
    """One observation term: `kind` is a field's index or the generated function of an
    observed expression; z the points (rows), values what was observed there."""

    kind: object
    z: object
    values: object
    registered = False  # class attribute: registered with jax once


@dataclass(frozen=True)
class FourierFeatures:
    """Random Fourier-feature inputs for a PINN (Tancik et al. 2020; multi-scale and
    spatio-temporal as Wang, Wang & Perdikaris 2021), against the spectral bias of
    plain networks on high-frequency and multi-scale solutions.

    `sigma` is the standard deviation of the random frequencies (of the inputs scaled
    to [-1, 1]): a number; a tuple of numbers, one embedding per scale through the
    same hidden layers, their last layers joined (multi-scale); or a dict from an input
    variable (or a tuple of them) to a number or tuple, one group of embeddings per
    entry, the groups' last layers multiplied (spatio-temporal: `{x: 1, t: (1, 10)}`).
    Inputs in no group enter every group. `n` features per embedding (cos and sin of
    n/2 frequencies), drawn once from `seed`, not trained.

    >>> FourierFeatures(sigma=(1, 10), n=64)                   # doctest: +SKIP
    """

    sigma: object = 1.0
    n: int = 64
    seed: int = 0


@dataclass
class PINNResult:
    """A trained PINN: `predict(u, {t: T, x: X})` -> array of T's shape.

    >>> res = solvers.PINN(system, seed=0).train(steps=2000)      # doctest: +SKIP
    >>> res.predict(u, {t: T, x: X}), res.loss_history[-1], res.learned      # doctest: +SKIP
    """

    pinn: "PINN"
    params: dict
    loss_history: list
    timings: dict = field(default_factory=dict)
    learned_history: list = field(default_factory=list)  # {parameter: value} beside each loss record

    @property
    def parameter_history(self) -> dict:
        """{p: array of its values} at the loss records, for the `learn=` parameters."""
        return {p: np.array([h[p] for h in self.learned_history]) for p in self.pinn.learn}

    @property
    def learned(self) -> dict:
        """Values of the parameters trained with `learn=[...]` (a learned field:
        `predict(k, {x: X})`)."""
        return self.pinn._learned_values(self.params)

    def predict(self, f, points: dict) -> np.ndarray:
        """f's values at `points` ({variable: array}, broadcast together); a field of
        fewer variables, k(x), needs only its own."""
        pinn = self.pinn
        if f not in pinn.fields:
            raise ModelError(f"predict({f}, ...): {f} is not a field of {pinn.system.name!r} ({pinn.fields})")
        k = pinn.fields.index(f)
        z, shape = pinn._stack_points(points, f.args, f"predict({f}, ...)")
        return np.asarray(pinn._jitted_net(self.params["net"], _jax().numpy.asarray(z, pinn.dtype))[:, k]).reshape(shape)


def _check_determined(system, learned_fields) -> None:
    """A field no equation determines must be learned from data (learn=[k])."""
    missing = [f for f in getattr(system, "undetermined", ()) if f not in learned_fields]
    short = len(system.fields) - len(system.equations)
    if system.time is None and short > len(learned_fields):
        raise ModelError(
            f"the steady {type(system).__name__} {system.name!r} has {len(system.equations)} equation(s) for "
            f"{len(system.fields)} fields {system.fields}: add the missing equation(s), or learn the "
            f"unknown field(s) from data with PINN(..., learn=[k]) and train(data={{...}})"
        )
    if missing:
        raise ModelError(
            f"field {missing[0]} has no equation: add one, or learn it from data with "
            f"PINN(..., learn=[{missing[0].func}]) and train(data={{...}})"
        )


def _foreign(e, allowed) -> list:
    """What an expression holds beyond the `allowed` symbols: other symbols, fields and
    their derivatives (by name, sorted)."""
    return sorted(map(str, e.free_symbols - set(allowed))) + sorted(
        map(str, e.atoms(sympy.core.function.AppliedUndef) | e.atoms(sympy.Derivative)))


class _SecondOrderInTime:
    """The PINN's view of a system second order in time: the system holds u_tt = ...
    reduced to first order (a velocity field u_dot, `system.velocities`), which the
    method of lines needs; a network instead represents u alone and differentiates it
    twice, as u_tt is written (DeepXDE's form). Here the kinematic equations
    D(t)(u) = u_dot are dropped, u_dot (and its derivatives) becomes D(t)(u) in the
    rest, the velocity's derived wall conditions are dropped, and its initial value
    becomes a condition on u_t at t0 (a Neumann condition on the time axis's lower
    side: du/dn = -u_t there)."""

    def __init__(self, system):
        t = system.time
        vel = system.velocities  # {u: u_dot}
        back = {v: u for u, v in vel.items()}

        def undot(e):
            subs = {d: sympy.Derivative(back[d.expr], (t, 1), *d.variable_count)
                    for d in e.atoms(sympy.Derivative) if d.expr in back}
            e = e.xreplace(subs)
            return e.xreplace({v: sympy.Derivative(u, t) for v, u in back.items()})

        kinematic = {sympy.Eq(sympy.Derivative(u, t), v) for u, v in vel.items()}
        self.residuals = tuple(undot(eq.lhs - eq.rhs) for eq in system.equations if eq not in kinematic)
        self.fields = tuple(f for f in system.fields if f not in back)
        self.boundary = {key: bc for key, bc in system.boundary.items() if key[0] not in back}
        for u, v in vel.items():
            if v in system.initial:
                self.boundary[(u, t, "min")] = Neumann(u, t, "min", -system.initial[v])
        self.initial = {f: e for f, e in system.initial.items() if f not in back}
        for name in ("time", "time_only", "partial", "undetermined", "full_args", "name", "parameters", "periodic",
                     "domain", "space", "geometry", "geometric"):
            setattr(self, name, getattr(system, name))


def _riemann_liouville_sum(S, L, beta):
    """D^alpha u = (d/ds)^m [L^beta int_0^1 (1 - tau)^(beta - 1) u dtau] / Gamma(beta), m = len(S) - 1,
    by the product rule from S_p = sum_q w_q tau_q^p (d/ds)^p u at the Gauss-Jacobi nodes
    (`PINN._riemann_liouville`)."""
    if len(S) == 2:
        return (beta * L ** (beta - 1) * S[0] + L**beta * S[1]) / math.gamma(beta)
    return (beta * (beta - 1) * L ** (beta - 2) * S[0] + 2 * beta * L ** (beta - 1) * S[1]
            + L**beta * S[2]) / math.gamma(beta)


@functools.lru_cache(maxsize=64)
def _chebyshev_rule(lo, hi, order, M):
    """The M Chebyshev nodes (first kind) of [lo, hi], the matrices from the values there to
    the Chebyshev coefficients of the interpolant and of its first and second derivatives,
    and Gauss-Jacobi nodes and weights on [0, 1] exact for the interpolant against the
    kernel of a Riemann-Liouville derivative of `order` (m, beta as `_riemann_liouville`)."""
    import scipy.special

    theta = np.pi * (np.arange(M) + 0.5) / M
    C = 2.0 / M * np.cos(np.outer(np.arange(M), theta))
    C[0] /= 2
    Dc = np.zeros((M, M))  # T_n' = 2n (T_{n-1} + T_{n-3} + ...), T_0 counted once
    for n in range(1, M):
        Dc[n - 1 :: -2, n] = 2 * n
        if n % 2:
            Dc[0, n] = n
    scale = 2 / (hi - lo)
    mats = [C, scale * Dc @ C, scale**2 * Dc @ Dc @ C]
    m = 1 if order < 1 else 2
    beta = m - order
    xi, wq = scipy.special.roots_jacobi(M // 2 + 2, beta - 1, 0.0)  # degree M + 1 integrands: exact
    return (lo + hi) / 2 + (hi - lo) / 2 * np.cos(theta), mats, (1 + xi) / 2, wq / 2**beta, m, beta


def _chebyshev_weights(lo, hi, end, left, order, M, x, xp=np):
    """(rows, M): the Riemann-Liouville derivative of `order` from `end` (left-sided) or to
    it, at each x, of the polynomial through values at the M Chebyshev nodes of [lo, hi]
    (`_chebyshev_rule`), as weights on those values: `PINN._riemann_liouville`'s formula on
    the interpolant, whose Gauss-Jacobi sums are exact."""
    nodes, mats, tau, w, m, beta = _chebyshev_rule(float(lo), float(hi), float(order), M)
    dt = x.dtype
    sigma = 1.0 if left else -1.0
    L = sigma * (x - end)
    s = x[:, None] - sigma * L[:, None] * xp.asarray(1 - tau, dt)[None, :]  # (rows, Gauss-Jacobi nodes)
    arc = xp.arccos(xp.clip((2 * s - (lo + hi)) / (hi - lo), -1, 1))
    T = xp.cos(arc[..., None] * xp.arange(M, dtype=dt))  # T_n at each node of each row
    S = [xp.einsum("rqn,q->rn", T, xp.asarray(w * tau**p, dt)) @ xp.asarray(sigma**p * mats[p], dt)
         for p in range(m + 1)]  # S_p of `_riemann_liouville`, as weights on the values
    return _riemann_liouville_sum(S, L[:, None], beta)


class PINN:
    """A PINN for any valid PDESystem (1-3 space dimensions, time-dependent or
    steady, several coupled fields, rectangles or geometries) or ODESystem (the
    network's input is t alone). `learn=` names parameters and unknown fields to find
    from data; `networks="shared" | "separate"`, `features=` (Fourier features),
    `inputs=[expressions of the inputs]` and `transform={u: expression in u}` shape
    the model; `hard=` builds Dirichlet and initial values in. Integral terms along one
    variable (`sn.Integral(sn.exp(t) * y, (t, 0, t))`, a Volterra equation; limits in the
    variables) are evaluated by `quadrature` Gauss-Legendre nodes of the network per point.
    Fractional derivatives (`sn.FractionalDerivative`) on an interval go by the network's
    values at `quadrature` Chebyshev nodes of it (`fractional="chebyshev"`, the default
    there: the exact derivative of the interpolating polynomial, values only, nodes shared
    by the residual's points in groups); `fractional="rays"` and fractional Laplacians
    (`sn.FractionalLaplacian`) by as many Gauss-Jacobi nodes of the network per ray, with
    its derivatives along it, the Laplacian's rays in `directions` directions (on the
    sphere: that many azimuths times half as many polar nodes). `margin` keeps the
    residual's points that far from the spatial boundary: a fractional Laplacian's solution
    vanishes there like a power of the distance that a smooth network does not follow, and
    the operator of the network is singular there (DeepXDE's 2-D example: 2.1e-2 with the
    points up to the boundary, 2.3e-3 with margin 0.05, at 3000 steps).
    `residual_at_boundary=True` enforces the equations at the conditions' points too
    (DeepXDE's data does: on DeepXDE's 1-D Poisson with a Neumann end it lowered the error
    3-4x on two of three seeds).

    >>> pinn = PINN(system, hidden=[20, 20, 20], seed=0)      # doctest: +SKIP
    >>> res = pinn.train(steps=5000, lbfgs=500)                # doctest: +SKIP
    >>> res.predict(u, {t: T, x: X})                           # doctest: +SKIP
    """

    def __init__(
        self,
        system: PDESystem,
        hidden=(20, 20, 20),
        activation: str = "tanh",
        seed: int = 0,
        learn=(),
        dtype: str = "float32",
        n_collocation: int = 2000,
        n_boundary: int = 200,
        n_initial: int = 200,
        sampling: str = "sobol",
        weights: dict | None = None,
        causal: float | None = None,
        balance: bool = False,
        hard=False,
        periodic: str = "encode",
        features: FourierFeatures | None = None,
        networks: str = "shared",
        inputs=None,
        transform: dict | None = None,
        quadrature: int = 20,
        residual_at_boundary: bool = False,
        directions: int = 16,
        fractional: str = "auto",
        margin: float = 0.0,
    ):
        jax = _jax()
        if not isinstance(system, (PDESystem, ODESystem)):
            raise ModelError(f"PINN needs a PDESystem or an ODESystem, got {type(system).__name__}")
        if getattr(system, "blocks", None) is not None:
            raise ModelError(
                f"PINN on {system.name!r}: its fields live on separate 1-D domains joined at interfaces "
                f"({', '.join(map(str, system.blocks.fields))}), which solvers.discretize solves; "
                f"for the PINN, write one field per variable set"
            )
        if getattr(system, "surfaces", None) is not None:
            raise ModelError(
                f"PINN on {system.name!r}: {system.surfaces} (fields on a boundary, reading the others "
                f"there), which solvers.discretize solves; the PINN does not train fields on boundaries yet"
            )
        if dtype not in ("float32", "float64"):
            raise ModelError(f"dtype={dtype!r}: use \"float32\" or \"float64\"")
        if dtype == "float64":
            jax.config.update("jax_enable_x64", True)
        if periodic not in ("encode", "loss"):
            raise ModelError(f"periodic={periodic!r}: use \"encode\" (exact, through (cos, sin) inputs) or \"loss\"")
        if sampling not in ("uniform", "sobol", "rad"):
            raise ModelError(f"sampling={sampling!r}: use \"uniform\", \"sobol\" or \"rad\" (residual-based adaptive)")
        acts = {"tanh": jax.numpy.tanh, "sin": jax.numpy.sin, "gelu": jax.nn.gelu, "silu": jax.nn.silu}
        if activation not in acts:
            raise ModelError(f"activation={activation!r}: use one of {sorted(acts)}")
        if networks not in ("shared", "separate"):
            raise ModelError(f"networks={networks!r}: use \"shared\" (one network, an output per field) or "
                             f"\"separate\" (one network per field)")
        for p in learn:
            if p not in system.parameters and p not in system.fields:
                raise ModelError(f"learn=[{p}]: {p} is neither a parameter of {system.name!r} "
                                 f"({tuple(system.parameters)}) nor one of its fields ({system.fields})")
        check_conditions(system, "PINN", complete=False)
        learned_fields = tuple(f for f in learn if f in system.fields)
        _check_determined(system, learned_fields)
        if getattr(system, "velocities", None):  # u_tt as written: the network represents u alone
            system = _SecondOrderInTime(system)
        self.system, self.seed, self.dtype = system, seed, dtype
        self.fields = system.fields
        self.inputs = system.full_args
        self.time = system.time
        self.learn = tuple(p for p in learn if p in system.parameters)
        self.learned_fields = learned_fields
        self.fixed = {p: v for p, v in system.parameters.items() if p not in self.learn}
        self._fixed_values = list(self.fixed.values())  # what inputs= and transform= expressions may use
        self.hidden, self.act = tuple(hidden), acts[activation]
        self.n_collocation, self.n_boundary, self.n_initial = n_collocation, n_boundary, n_initial
        if not isinstance(quadrature, int) or quadrature < 1:
            raise ModelError(f"quadrature={quadrature!r}: give the number of Gauss-Legendre nodes per integral term, "
                             f"e.g. 20")
        self.quadrature = quadrature  # nodes per integral term (Volterra, Fredholm) at each point
        self.residual_at_boundary = bool(residual_at_boundary)
        if not isinstance(directions, int) or directions < 2:
            raise ModelError(f"directions={directions!r}: give the number of ray directions of a fractional "
                             f"Laplacian (on the circle; on the sphere that many azimuths), e.g. 16")
        self.directions = directions
        if fractional not in ("auto", "rays", "chebyshev"):
            raise ModelError(f"fractional={fractional!r}: use \"chebyshev\" (the network's values at `quadrature` "
                             f"Chebyshev nodes of the variable's interval; fractional derivatives only), \"rays\" "
                             f"(Gauss-Jacobi quadrature of the network along each ray, any domain) or \"auto\" "
                             f"(chebyshev where the variable has an interval, else rays)")
        self.fractional = fractional
        if not isinstance(margin, (int, float)) or margin < 0:
            raise ModelError(f"margin={margin!r}: give the distance the residual's points keep from the spatial "
                             f"boundary, a number >= 0")
        self.margin = float(margin)
        self.sampling, self.causal, self.balance = sampling, causal, balance
        # a condition object as a key weighs that condition alone (in place of "boundary")
        given = dict(weights or {})
        self._condition_weights = {c: float(given.pop(c)) for c in list(given) if not isinstance(c, str)}
        unknown = [k for k in given if k not in ("residual", "initial", "boundary", "periodic", "data")]
        if unknown:
            raise ModelError(f"weights={{{unknown[0]!r}: ...}}: use \"residual\", \"initial\", \"boundary\", "
                             f"\"periodic\", \"data\", or one of the system's boundary conditions")
        self.weights = {"residual": 1.0, "initial": 1.0, "boundary": 1.0, "periodic": 1.0, "data": 1.0, **given}
        self.bounds = np.array([system.domain[v] for v in self.inputs], dtype=float)
        # periodic="encode": (cos, sin) inputs make the model exactly periodic;
        # "loss": plain inputs, and values and derivatives are matched across the period.
        self.periodic = [v in system.periodic and periodic == "encode" for v in self.inputs]
        self._periodic_loss = [j for j, v in enumerate(self.inputs) if v in system.periodic and periodic == "loss"]
        self._build_inputs(inputs, features)
        self._build_networks(networks)
        self._build_regions()
        self._build_features(features)
        self._build_transform(transform or {})
        self._build_residual()
        self._build_fractional()
        self._build_conditions()
        self._build_hard(hard)

    # -- the network ---------------------------------------------------------------------

    def _encode(self, z):
        jnp = _jax().numpy
        cols = []
        for j, (lo, hi) in enumerate(self.bounds):
            if self.periodic[j]:
                w = 2 * np.pi / (hi - lo)
                cols += [jnp.cos(w * (z[:, j] - lo)), jnp.sin(w * (z[:, j] - lo))]
            else:
                cols.append(2 * (z[:, j] - lo) / (hi - lo) - 1)
        return jnp.stack(cols, axis=1)

    def _build_inputs(self, inputs, features):
        """inputs=[expressions of the inputs]: what the networks of every input see, in
        place of the inputs scaled to [-1, 1] (generated, as the residual is)."""
        self._input_fn = None
        if inputs is None:
            return
        exprs = [sympy.sympify(e) for e in (inputs if isinstance(inputs, (list, tuple)) else [inputs])]
        fixed = list(self.fixed)
        for e in exprs:
            bad = _foreign(e, {*self.inputs, *fixed})
            if bad or not e.free_symbols & set(self.inputs):
                raise ModelError(
                    f"inputs=[..., {e}, ...]: an input feature is an expression of the inputs {self.inputs} "
                    f"(and fixed parameters)" + (f"; {bad[0]} is not one" if bad else "")
                )
        if features is not None:
            raise ModelError("inputs= and features= both choose what the network sees: give one of them")
        self._input_fn = make_jax_function(exprs, list(self.inputs), fixed, name=f"pinn_inputs_{self.system.name}",
                                           do_optimize=False)
        self._input_n = len(exprs)

    def _build_transform(self, transform):
        """transform={u: expression}: the model of u is the expression, in which u stands
        for its network's output (x * (1 - x) * u vanishes at both ends of [0, 1])."""
        self._transforms = {}
        fixed = list(self.fixed)
        for f, e in transform.items():
            if f not in self.fields:
                raise ModelError(f"transform[{f}]: {f} is not a field of {self.system.name!r} ({self.fields})")
            e = sympy.sympify(e)
            net = sympy.Dummy(f"net_{f.func}")
            body = e.xreplace({f: net})
            bad = _foreign(body, {*self.inputs, *fixed, net})
            if bad:
                raise ModelError(
                    f"transform[{f}] = {e}: write it in {f} (its network's output), the inputs {self.inputs} and "
                    f"fixed parameters; {bad[0]} is not one of those"
                )
            k = self.fields.index(f)
            self._transforms[k] = make_jax_function([body], [net, *self.inputs], fixed,
                                                    name=f"pinn_transform_{self.system.name}_{f.func}",
                                                    do_optimize=False)

    def _build_networks(self, networks):
        """Which fields each network computes, from which inputs: (field indices,
        input indices, encoded columns). The fields of every input share one network
        (networks="shared") or get one each ("separate"); a field of fewer inputs,
        k(x) beside u(t, x), always has its own, so it cannot vary in the others."""
        self._columns, start = [], 0  # the encoded columns of each input (periodic ones take two)
        for per in self.periodic:
            self._columns.append(list(range(start, start + (2 if per else 1))))
            start += len(self._columns[-1])
        every = list(range(len(self.inputs)))
        full = [k for k, f in enumerate(self.fields) if f.args == self.inputs]
        groups = ([(full, every)] if full else []) if networks == "shared" else [([k], every) for k in full]
        groups += [([k], [self.inputs.index(v) for v in f.args]) for k, f in enumerate(self.fields)
                   if f.args != self.inputs]
        self._groups = [(ks, js, [c for j in js for c in self._columns[j]]) for ks, js in groups]

    def _mlp(self, layers, h, features):
        """One network on encoded inputs h; `features`: Fourier-feature groups or None."""
        if features is None:
            for W, b in layers[:-1]:
                h = self.act(h @ W + b)
            W, b = layers[-1]
            return h @ W + b
        jnp = _jax().numpy
        groups = []
        for cols, scales in features:  # per group, per scale: the shared hidden layers
            hg = h[:, cols]
            outs = []
            for B in scales:
                a = 2 * np.pi * (hg @ B)
                e = jnp.concatenate([jnp.cos(a), jnp.sin(a)], axis=1)
                for W, b in layers[:-1]:
                    e = self.act(e @ W + b)
                outs.append(e)
            groups.append(outs)
        joined = groups[0]
        for outs in groups[1:]:  # groups multiply (every combination of their scales)
            joined = [a * b for a in joined for b in outs]
        W, b = layers[-1]
        return jnp.concatenate(joined, axis=1) @ W + b

    def _networks(self, nets, z):
        """Every field's network output at the rows of z, in field order."""
        h = self._encode(z)
        # the networks of every input see the user's input features (inputs=) where given
        hf = h if self._input_fn is None else _jax().numpy.stack(
            self._input_fn([z[:, j] for j in range(z.shape[1])], self._fixed_values), axis=1)
        if len(self._groups) == 1 and len(self._groups[0][1]) == len(self.inputs):
            return self._mlp(nets[0], hf, self._features)  # one network of every input, an output per field
        cols = [None] * len(self.fields)
        for (ks, js, enc), layers in zip(self._groups, nets):
            full = len(js) == len(self.inputs)  # Fourier features: on networks of every input
            out = self._mlp(layers, hf if full else h[:, enc], self._features if full else None)
            for i, k in enumerate(ks):
                cols[k] = out[:, i]
        return _jax().numpy.stack(cols, axis=1)

    def _build_features(self, features):
        """Per group: the encoded input columns and one fixed frequency matrix per scale."""
        self._features = None
        if features is None:
            return
        if not isinstance(features, FourierFeatures):
            raise ModelError(f"features={features!r}: give solvers.FourierFeatures(sigma=..., n=...) or None")
        if not isinstance(features.n, int) or features.n < 2 or features.n % 2:
            raise ModelError(f"FourierFeatures(n={features.n!r}): give an even number of features >= 2")
        columns = dict(zip(self.inputs, self._columns))
        sig = features.sigma
        if isinstance(sig, dict):
            entries = []
            for key, scales in sig.items():
                names = key if isinstance(key, tuple) else (key,)
                bad = [v for v in names if v not in self.inputs]
                if bad:
                    raise ModelError(f"FourierFeatures(sigma=...) names {bad[0]!r}, which is not an input of "
                                     f"{self.system.name!r} (its inputs are {self.inputs})")
                entries.append((names, scales))
            grouped = {v for names, _ in entries for v in names}
            rest = [v for v in self.inputs if v not in grouped]
            groups = [([c for v in (*names, *rest) for c in columns[v]], scales) for names, scales in entries]
        else:
            groups = [([c for v in self.inputs for c in columns[v]], sig)]
        rng = np.random.default_rng(features.seed)
        built = []
        for cols, scales in groups:
            scales = tuple(scales) if isinstance(scales, (tuple, list)) else (scales,)
            if not scales or any(not (isinstance(sc, (int, float)) and sc > 0) for sc in scales):
                raise ModelError(f"FourierFeatures(sigma={sig!r}): every scale must be a positive number")
            built.append((cols, [np.asarray(rng.normal(0.0, sc, (len(cols), features.n // 2)), self.dtype)
                                 for sc in scales]))
        self._features = built
        self.features = features

    def _net(self, nets, z):
        """The model: the networks, with the user's output transforms and the hard
        constraints applied where asked for."""
        out = self._networks(nets, z)
        if self._transforms:
            jnp = _jax().numpy
            coords = [z[:, j] for j in range(z.shape[1])]
            out = jnp.stack([self._transforms[k]([out[:, k], *coords], self._fixed_values)[0]
                             if k in self._transforms else out[:, k] for k in range(len(self.fields))], axis=1)
        if not any(self._hard):
            return out
        jnp = _jax().numpy
        cols = []
        for k, faces in enumerate(self._hard):
            if faces:
                cols.append(self._lift(z, faces) + self._vanishing(z, faces) * out[:, k])
            else:
                cols.append(out[:, k])
        return jnp.stack(cols, axis=1)

    def init_params(self):
        """{"net": [one list of (W, b) layers per network], "phys": {learned parameter: value}}."""
        jax = _jax()
        key = jax.random.PRNGKey(self.seed)
        nets = []
        for ks, js, enc in self._groups:
            n_in = self._input_n if self._input_fn is not None and len(js) == len(self.inputs) else len(enc)
            pairs = list(zip([n_in, *self.hidden], [*self.hidden, len(ks)]))
            if self._features is not None and len(js) == len(self.inputs):
                # embeddings in; the joined last hidden layers out
                combos = math.prod(len(scales) for _, scales in self._features)
                pairs = [*zip([self.features.n, *self.hidden[:-1]], self.hidden), (self.hidden[-1] * combos, len(ks))]
            layers = []
            for a, b in pairs:
                key, sub = jax.random.split(key)
                W = jax.random.normal(sub, (a, b), dtype=self.dtype) * np.sqrt(2.0 / (a + b))
                layers.append((W, jax.numpy.zeros(b, dtype=self.dtype)))
            nets.append(layers)
        phys = {p.name: jax.numpy.asarray(self.system.parameters[p], dtype=self.dtype) for p in self.learn}
        return {"net": nets, "phys": phys}

    def _jets(self, layers, z, wanted):
        """{dirs: D^dirs of every network output at every row of z} for each dirs
        in `wanted` (nested forward mode). Highest order first: the outermost jvp
        of D^dirs carries D^dirs[1:] along as its primal, which then costs nothing."""
        jax = _jax()
        out = {}
        for dirs in sorted(set(wanted), key=lambda d: (-len(d), d)):
            if dirs in out:
                continue
            if not dirs:
                out[()] = self._net(layers, z)
                continue
            fn = lambda zz: self._net(layers, zz)  # noqa: E731
            for d in reversed(dirs[1:]):
                tangent = jax.numpy.zeros_like(z).at[:, d].set(1.0)
                fn = (lambda g, tg: (lambda zz: jax.jvp(g, (zz,), (tg,))[1]))(fn, tangent)
            tangent = jax.numpy.zeros_like(z).at[:, dirs[0]].set(1.0)
            lower, out[dirs] = jax.jvp(fn, (z,), (tangent,))
            out.setdefault(dirs[1:], lower)
        return out

    def _along(self, layers, z, V, order):
        """[u, D_V u, D_V^2 u][: order + 1] of every network output at every row of z,
        D_V the derivative along the row's vector V (one nested jvp: a fractional
        Laplacian's rays need the second derivative along each ray, not the Hessian)."""
        jax = _jax()

        def net(zz):
            return self._net(layers, zz)

        if order == 0:
            return [net(z)]
        if order == 1:
            return list(jax.jvp(net, (z,), (V,)))
        (u, du), (_, ddu) = jax.jvp(lambda zz: jax.jvp(net, (zz,), (V,)), (z,), (V,))
        return [u, du, ddu]

    def _derivative(self, layers, z, dirs):
        """D^dirs of every network output at every row of z."""
        return self._jets(layers, z, [dirs])[dirs]

    # -- generated residuals -----------------------------------------------------------------

    def _build_residual(self):
        params = list(self.fixed) + list(self.learn)
        gen = generated_residual(self.system, self.inputs, params, f"pinn_residual_{self.system.name}",
                                 nonlocal_terms=True)
        self._residual = gen
        self._res_leaves, self._res_keys, self.residual_fn = list(gen.leaves), list(gen.keys), gen.fn

    def _build_fractional(self):
        """How the residual's fractional terms are evaluated: the inputs whose derivatives go
        by Chebyshev nodes, the residual's sample in groups sharing the other inputs, and
        the refusal of the residual at the boundary they integrate from."""
        fractional = [t for t in self._residual.nonlocal_terms if isinstance(t, (FractionalTerm, FractionalLaplacianTerm))]
        if fractional and self.residual_at_boundary:
            raise ModelError(
                f"residual_at_boundary=True with {fractional[0].expr}: a fractional derivative of the network is "
                f"singular on the boundary it integrates from (unless the network vanishes there to high order); "
                f"leave the residual's points inside (residual_at_boundary=False, or margin= to keep them further in)"
            )
        self._grouped = None  # (groups, rows per group) of the residual's sample: see _grouped_sample
        self._chebyshev_axes = set()  # the inputs whose fractional derivatives go by `_fractional_chebyshev`
        if self.fractional == "rays":
            return
        for t in fractional:
            if not isinstance(t, FractionalTerm):
                continue
            names = next((names for names in self.system.geometry if self.inputs[t.axis] in names), None)
            if names is None:
                self._chebyshev_axes.add(t.axis)
            elif self.fractional == "chebyshev":
                raise ModelError(
                    f"fractional=\"chebyshev\": {self.inputs[t.axis]} lies in the geometry of {names}, not on an "
                    f"interval; use fractional=\"rays\" (or \"auto\")"
                )
        if self._chebyshev_axes and len(self.inputs) > 1 and self.sampling != "rad":
            g = max(1, round(math.sqrt(self.n_collocation)))
            self._grouped = (g, -(-self.n_collocation // g))

    def _param_values(self, phys):
        return [self.fixed[p] for p in self.fixed] + [phys[p.name] for p in self.learn]

    def residuals(self, params, z):
        """The generated residual of every equation at the rows of z (compiled once
        per shape; usable inside jit and grad)."""
        return self._jitted_residuals(params, z)

    def _residual_values(self, params, z, grouped=None, weights=None):
        return self._generated_values(params, self._residual, z, grouped, weights)

    def _generated_values(self, params, gen, z, grouped=None, weights=None):
        """A generated function of fields and their derivatives (the residual, a boundary
        equation, an observed expression) at the rows of z: its leaves from the network's
        jets, its integral terms by quadrature, then the function. `grouped` = (G, R): the
        first G R rows come in G groups of R sharing every input but one (_grouped_sample);
        `weights`: {term index: the Chebyshev weights of its first rows} (_set_residual)."""
        jets = self._jets(params["net"], z, [dirs for _, dirs in gen.keys])
        values = [jets[dirs][:, k] for k, dirs in gen.keys]
        memo = {}  # the network at Chebyshev nodes, shared by the terms along one variable
        nonlocal_values = [self._nonlocal_values(params, term, z, grouped, memo, (weights or {}).get(i))
                           for i, term in enumerate(gen.nonlocal_terms)]
        return gen.fn(values + [z[:, j] for j in range(z.shape[1])] + nonlocal_values,
                      self._param_values(params["phys"]))

    def _nonlocal_values(self, params, integral, z, grouped=None, memo=None, W=None):
        """A nonlocal term at the rows of z: a fractional derivative or Laplacian by its
        own rule; Integral(f, (x_j, a, b)) by Gauss-Legendre quadrature of the network
        (`quadrature` nodes between the row's limits, the other coordinates the row's):
        what DeepXDE's IDE data does for Volterra terms."""
        jnp = _jax().numpy
        if isinstance(integral, FractionalTerm):
            if integral.axis in self._chebyshev_axes:
                return self._fractional_chebyshev(params, integral, z, grouped, {} if memo is None else memo, W)
            return self._fractional_values(params, integral, z)
        if isinstance(integral, FractionalLaplacianTerm):
            return self._fractional_laplacian_values(params, integral, z)
        a, b = integral.limits([z[:, j] for j in range(z.shape[1])], self._param_values(params["phys"]))
        a, b = (jnp.broadcast_to(jnp.asarray(v, z.dtype), z.shape[:1]) for v in (a, b))
        nodes, weights = (jnp.asarray(q, z.dtype) for q in np.polynomial.legendre.leggauss(self.quadrature))
        half = (b - a) / 2
        at = a[:, None] + half[:, None] * (nodes[None, :] + 1)  # (rows, nodes)
        zq = jnp.repeat(z, self.quadrature, axis=0).at[:, integral.axis].set(at.reshape(-1))
        f = self._generated_values(params, integral.integrand, zq)[0].reshape(z.shape[0], self.quadrature)
        return half * (f @ weights)

    def _fractional_values(self, params, term, z):
        """A Riemann-Liouville derivative along input j at the rows of z: the ray along
        +e_j from the end a (left-sided) or along -e_j from b (right-sided: the derivative
        along -e_j is D_{b-} in x), L = |x_j - end| (`_riemann_liouville`)."""
        jnp = _jax().numpy
        j = term.axis
        L = (z[:, j] - term.end) if term.left else (term.end - z[:, j])
        theta = jnp.zeros_like(z).at[:, j].set(1.0 if term.left else -1.0)
        return self._riemann_liouville(params, term.field, term.order, z, theta, L)

    def _chebyshev_weights(self, term, x, xp=np):
        """(rows, M): term's Riemann-Liouville derivative at each x, as weights on the
        values at the M = `quadrature` Chebyshev nodes of the variable's interval
        (`_chebyshev_weights`). NumPy in float64 when the points are sampled
        (`_set_residual`); xp = jax.numpy for other rows."""
        lo, hi = self.bounds[term.axis]
        return _chebyshev_weights(lo, hi, term.end, term.left, term.order, self.quadrature, x, xp)

    def _set_residual(self, pts, z):
        """pts["residual"] = z with the conditions' points where asked (`_with_edges`), and
        for `fractional="chebyshev"` each fractional derivative's weights there, computed
        once per sample in float64 (not at every step, nor in float32)."""
        jnp = _jax().numpy
        z = self._with_edges(jnp.asarray(z, self.dtype), pts)
        pts["residual"] = z
        if self._chebyshev_axes:
            zn = np.asarray(z, dtype=np.float64)
            pts["chebyshev"] = {i: jnp.asarray(self._chebyshev_weights(t, zn[:, t.axis]), self.dtype)
                                for i, t in enumerate(self._residual.nonlocal_terms)
                                if isinstance(t, FractionalTerm) and t.axis in self._chebyshev_axes}
        return pts

    def _fractional_chebyshev(self, params, term, z, grouped, memo, W=None):
        """The Riemann-Liouville derivative of the polynomial through the network's
        values at M Chebyshev nodes of the variable's interval, the other inputs the row's
        (`_chebyshev_weights`, or W given for the first rows): values only, no
        derivatives of the network (DeepXDE's static Gruenwald-Letnikov matrix does the
        same at first order; this is spectral). Rows that share the other inputs share
        the nodes: all of them in one input, each group of `grouped`, else each row its
        own."""
        jnp = _jax().numpy
        M, j, d, dt = self.quadrature, term.axis, z.shape[1], z.dtype
        if W is None:
            W = self._chebyshev_weights(term, z[:, j], jnp)
        elif W.shape[0] < z.shape[0]:  # rows after the sampled ones (observations)
            W = jnp.concatenate([W, self._chebyshev_weights(term, z[W.shape[0]:, j], jnp)])
        X = jnp.asarray(_chebyshev_rule(*map(float, self.bounds[term.axis]), float(term.order), M)[0], dt)

        def at_nodes(rows):  # the network at every row's M nodes: (rows, M, fields)
            zn = jnp.repeat(rows[:, None, :], M, axis=1).at[:, :, j].set(X[None, :])
            return self._net(params["net"], zn.reshape(-1, d)).reshape(rows.shape[0], M, -1)

        if d == 1:
            key = (j, "all")
            if key not in memo:
                memo[key] = at_nodes(z[:1])
            return W @ memo[key][0, :, term.field]
        n_head = 0
        parts = []
        if grouped is not None and z.shape[0] >= grouped[0] * grouped[1]:
            g, r = grouped
            n_head = g * r
            key = (j, "grouped")
            if key not in memo:
                memo[key] = at_nodes(z[:n_head:r])
            parts.append(jnp.einsum("grn,gn->gr", W[:n_head].reshape(g, r, M), memo[key][:, :, term.field]).reshape(-1))
        if z.shape[0] > n_head:
            key = (j, "rows")
            if key not in memo:
                memo[key] = at_nodes(z[n_head:])
            parts.append(jnp.einsum("rn,rn->r", W[n_head:], memo[key][:, :, term.field]))
        return parts[0] if len(parts) == 1 else jnp.concatenate(parts)

    def _riemann_liouville(self, params, k, order, z, theta, L):
        """The Riemann-Liouville derivative of order alpha (m - 1 < alpha < m, m = 1 or 2)
        of field k at each row of z along the row's unit vector theta (in the input
        columns), from the point L behind it (u = 0 beyond): with beta = m - alpha,
        I = int_0^L s^(beta - 1) u(z - s theta) ds = L^beta int_0^1 (1 - tau)^(beta - 1)
        u(z - L (1 - tau) theta) dtau by Gauss-Jacobi quadrature (the kernel's power its
        weight), and D^alpha u = I^(m) / Gamma(beta), the derivatives along theta by the
        product rule with the network's own along theta at the nodes (one nested jvp)."""
        import scipy.special

        jnp = _jax().numpy
        m = 1 if order < 1 else 2
        beta = m - order
        xi, wq = scipy.special.roots_jacobi(self.quadrature, beta - 1, 0.0)
        tau, w = (1 + xi) / 2, wq / 2**beta  # on [0, 1]: weight (1 - tau)^(beta - 1), the map's factors folded in
        n = len(tau)
        back = L[:, None] * jnp.asarray(1 - tau, z.dtype)[None, :]  # (rows, nodes)
        zq = (z[:, None, :] - back[..., None] * theta[:, None, :]).reshape(-1, z.shape[1])
        along = self._along(params["net"], zq, jnp.repeat(theta, n, axis=0), m)
        # S_p = sum_q w_q tau_q^p (d/ds)^p u at the nodes
        S = [p[:, k].reshape(-1, n) @ jnp.asarray(w * tau**i, z.dtype) for i, p in enumerate(along)]
        return _riemann_liouville_sum(S, L, beta)

    def _sphere_rule(self, d):
        """(directions (K, d), weights (K,)) integrating over the unit sphere S^(d-1):
        the two points of S^0; K = `directions` equispaced angles on the circle; on S^2,
        Gauss-Legendre in cos(polar angle) (directions/2 nodes) times `directions`
        equispaced azimuths."""
        K = self.directions
        if d == 1:
            return np.array([[1.0], [-1.0]]), np.ones(2)
        phi = 2 * np.pi * np.arange(K) / K
        if d == 2:
            return np.stack([np.cos(phi), np.sin(phi)], axis=1), np.full(K, 2 * np.pi / K)
        c, wc = np.polynomial.legendre.leggauss(max(K // 2, 1))
        sn_ = np.sqrt(1 - c**2)
        dirs = np.stack([np.outer(sn_, np.cos(phi)), np.outer(sn_, np.sin(phi)), np.outer(c, np.ones(K))], axis=-1)
        return dirs.reshape(-1, 3), np.outer(wc, np.full(K, 2 * np.pi / K)).reshape(-1)

    def _fractional_laplacian_values(self, params, term, z):
        """(-Delta)^(alpha/2) u = C_d int_{S^(d-1)} D_theta^alpha u dtheta at the rows of z:
        per direction theta, the Riemann-Liouville derivative along the line through the
        point from where the ray back along -theta leaves the domain (length L; u = 0
        beyond), `_riemann_liouville` on every (point, direction) pair."""
        jnp = _jax().numpy
        axes = list(term.axes)
        theta, wt = self._sphere_rule(len(axes))
        N, K = z.shape[0], len(theta)
        th = jnp.zeros((K, z.shape[1]), z.dtype).at[:, axes].set(jnp.asarray(theta, z.dtype))  # in the input columns
        zs, ths = jnp.repeat(z, K, axis=0), jnp.tile(th, (N, 1))  # every point with every direction
        L = term.geometry.exit_distance(zs[:, axes], -ths[:, axes], xp=jnp)
        D = self._riemann_liouville(params, term.field, term.order, zs, ths, L).reshape(N, K)
        return term.constant * (D @ jnp.asarray(wt, z.dtype))

    # -- conditions -----------------------------------------------------------------------------

    def _build_conditions(self):
        params = list(self.fixed) + list(self.learn)
        gen = generated_conditions(self.system, self.inputs, params, f"pinn_conditions_{self.system.name}")
        self._cond_fn, self._cond_exprs = gen.fn, list(gen.exprs)
        self._bc_kinds, self._bc_counts, self._initial = list(gen.kinds), list(gen.counts), list(gen.initial)
        self._bc_coupled = list(gen.coupled)  # None, or the generated values of a condition that holds fields
        # per-condition weights, relative to "boundary" (the conditions in _bc_kinds' order)
        conds = [c for key, c in self.system.boundary.items() if not isinstance(c, tuple)]
        conds += [c for c, _ in self.system.geometric]
        bad = [c for c in self._condition_weights if c not in conds]
        if bad:
            raise ModelError(f"weights={{{bad[0]}: ...}}: that condition is not one of {self.system.name!r}'s "
                             f"Dirichlet, Neumann or Robin conditions")
        base = self.weights["boundary"] or 1.0
        self._bc_scale = [self._condition_weights.get(c, base) / base for c in conds]
        # general boundary equations (a beam's u_xx = u_xxx = 0 at a free end): their residuals at that side
        self._bc_equations = boundary_equations(self.system, self.inputs, params, f"pinn_bc_{self.system.name}")

    # -- hard constraints -------------------------------------------------------------------------

    def _build_hard(self, hard):
        """hard=True (or a subset of ("initial", "dirichlet")): the model is
        G + phi * network, where phi vanishes on those faces and G is the
        transfinite (Coons) interpolant of their data, so the conditions hold
        exactly and leave the loss."""
        allowed = ("initial", "dirichlet")
        wanted = set(allowed) if hard is True else set() if hard is False else {hard} if isinstance(hard, str) else set(hard)
        if not wanted <= set(allowed):
            raise ModelError(f"hard={hard!r}: use True, False, or a subset of {allowed}")
        if "initial" in wanted and self.time is None and hard is not True:
            raise ModelError(f"hard={hard!r}: {self.system.name!r} is steady and has no initial condition")
        self._hard = [{} for _ in self.fields]  # field -> {axis: {side: index of the value}}
        start = 0
        for (kind, k, ax, side), count in zip(self._bc_kinds, self._bc_counts):
            if kind == "Dirichlet" and "dirichlet" in wanted and ax is not None:  # curved parts stay soft
                self._hard[k].setdefault(ax, {})[side] = start
            start += count
        if "initial" in wanted and self.time is not None:
            ti = self.inputs.index(self.time)
            for j, k in enumerate(self._initial):
                self._hard[k][ti] = {"min": start + j}
        used = {i for faces in self._hard for sides in faces.values() for i in sides.values()}
        for i in used:
            bad = [p for p in self.learn if p in self._cond_exprs[i].free_symbols]
            if bad:
                raise ModelError(
                    f"hard={hard!r}: the condition value {self._cond_exprs[i]} depends on the trained "
                    f"parameter {bad[0]}; impose that condition softly (hard=False)"
                )
        # no hard value depends on a trained parameter, so their initial values serve
        self._hard_params = [self.system.parameters[p] for p in [*self.fixed, *self.learn]]

    def _unit(self, z, axis):
        lo, hi = self.bounds[axis]
        return (z[:, axis] - lo) / (hi - lo)

    def _vanishing(self, z, faces):
        """A smooth function that is zero exactly on the hard faces, O(1) inside."""
        phi = 1.0
        for axis, sides in faces.items():
            s = self._unit(z, axis)
            phi = phi * (4 * s * (1 - s) if len(sides) == 2 else s if "min" in sides else 1 - s)
        return phi

    def _lift(self, z, faces):
        """The Boolean sum of the face projectors, (I - prod_a (I - P_a)) g: it
        takes each face's value on that face (for data that agree where faces meet).
        P_a blends the values on axis a's hard faces linearly (or takes the one
        face's value), read at the point projected onto that face."""
        jnp = _jax().numpy
        cache = {}

        def value(projection, index):
            if projection not in cache:
                coords = [z[:, j] for j in range(z.shape[1])]
                for axis, side in projection:
                    coords[axis] = jnp.full_like(z[:, axis], self.bounds[axis, 0 if side == "min" else 1])
                cache[projection] = self._cond_fn(coords, self._hard_params)
            return cache[projection][index]

        def blend(axis, side):
            if len(faces[axis]) == 1:
                return 1.0
            s = self._unit(z, axis)
            return 1 - s if side == "min" else s

        lifted = 0.0
        axes = sorted(faces)
        for r in range(1, len(axes) + 1):
            for subset in itertools.combinations(axes, r):
                for sides in itertools.product(*(sorted(faces[a]) for a in subset)):
                    weight = math.prod((blend(a, sd) for a, sd in zip(subset, sides)), start=(-1.0) ** (r + 1))
                    lifted = lifted + weight * value(tuple(zip(subset, sides)), faces[subset[0]][sides[0]])
        return lifted

    # -- sampling ----------------------------------------------------------------------------------

    def _build_regions(self):
        """The domain's geometries by input columns, and per condition on a curved boundary
        part: the region's columns, its geometry (a box where the region is one) and the
        mask of the part it is on."""
        from symnum._geometry import Box, Geometry

        self._regions = [([self.inputs.index(v) for v in names], g) for names, g in self.system.geometry.items()]
        self._selected = []
        for c, names in self.system.geometric:
            cols = [self.inputs.index(v) for v in names]
            g = self.system.geometry.get(names) or Box(self.bounds[cols, 0], self.bounds[cols, 1])
            if isinstance(c.on, Geometry):
                mask = c.on.on_boundary
            else:
                tol = 1e-9 * max(1.0, float(np.abs(self.bounds[cols]).max()))
                pred = c.on.replace(lambda e: isinstance(e, sympy.Equality),
                                    lambda e: sympy.Abs(e.lhs - e.rhs) <= tol)
                fn = sympy.lambdify([list(names)], pred, "numpy")
                mask = (lambda f: lambda p: np.broadcast_to(np.asarray(f(p.T), dtype=bool), len(p)))(fn)
            self._selected.append((cols, g, mask))

    def _sample(self, n, rng, fix=None, inner=False):
        """n points of the domain (`fix`: {input column: value}); `inner`: the residual's,
        `margin` clear of the spatial boundary (by rejection)."""
        if inner and self.margin:
            out, have = [], 0
            for _ in range(100):
                z = self._sample(n, rng, fix)
                z = z[self._clear_of_boundary(z)]
                out.append(z)
                have += len(z)
                if have >= n:
                    return np.concatenate(out)[:n]
            raise ModelError(f"margin={self.margin:g}: too few points of {self.system.name!r}'s domain lie that far "
                             f"from its boundary; give a smaller margin")
        d = len(self.inputs)
        if self.sampling == "sobol":
            import scipy.stats.qmc

            with warnings.catch_warnings():  # balance needs n = 2**k; coverage does not
                warnings.simplefilter("ignore", UserWarning)
                u = scipy.stats.qmc.Sobol(d, seed=int(rng.integers(1 << 31))).random(n)
        else:
            u = rng.random((n, d))
        z = self.bounds[:, 0] + u * (self.bounds[:, 1] - self.bounds[:, 0])
        for cols, g in self._regions:  # inside a curved domain: uniform by rejection
            z[:, cols] = g.sample_interior(n, rng)
        for j, value in (fix or {}).items():
            z[:, j] = value
        return z

    def _clear_of_boundary(self, z):
        """Rows of z at least `margin` from the spatial boundary: inside each geometry by
        its signed distance, and from both ends of every other non-periodic spatial
        variable."""
        ok = np.ones(len(z), dtype=bool)
        in_geometry = set()
        for cols, g in self._regions:
            ok &= g.sdf(z[:, cols]) <= -self.margin
            in_geometry.update(cols)
        for j, v in enumerate(self.inputs):
            if v != self.time and j not in in_geometry and v not in self.system.periodic:
                lo, hi = self.bounds[j]
                ok &= (z[:, j] - lo >= self.margin) & (hi - z[:, j] >= self.margin)
        return ok

    def _grouped_sample(self, rng):
        """The residual's points for `fractional="chebyshev"` in several inputs: G groups
        of R (about sqrt(n_collocation) each), the rows of a group sharing every input but
        the fractional derivatives' variable, so that a group shares the network's values
        at the Chebyshev nodes (DeepXDE's static fractional data is a grid the same way)."""
        g, r = self._grouped
        z = self._sample(g * r, rng, inner=True)
        others = [c for c in range(z.shape[1]) if c not in self._chebyshev_axes]
        # the groups' own sample: every r-th row of one Sobol sequence would crowd them
        # into a fraction of the interval
        z[:, others] = np.repeat(self._sample(g, rng, inner=True)[:, others], r, axis=0)
        return z

    def _boundary_part(self, i, n, rng):
        """n points on the i-th curved boundary part (the other inputs inside the
        domain) and the outward normals there (zero in the other inputs)."""
        cols, g, mask = self._selected[i]
        z = self._sample(n, rng)
        normals = np.zeros_like(z)
        z[:, cols], normals[:, cols] = g.sample_boundary(n, rng, on=mask)
        return z, normals

    def _renewed(self, pts, rng):
        """Fresh sampled points; the observation points stay."""
        new = self._points(rng)
        if "observed" in pts:
            new["observed"] = pts["observed"]
        return new

    def _points(self, rng):
        jnp = _jax().numpy
        dt = self.dtype
        pts = {}
        residual = self._grouped_sample(rng) if self._grouped else self._sample(self.n_collocation, rng, inner=True)
        if self.time is not None:
            ti = self.inputs.index(self.time)
            pts["initial"] = jnp.asarray(self._sample(self.n_initial, rng, {ti: self.bounds[ti, 0]}), dt)
        pts["boundary"], pts["normals"] = [], []
        for _, _, ax, side in self._bc_kinds:
            if ax is None:
                z, normals = self._boundary_part(side, self.n_boundary, rng)
                pts["normals"].append(jnp.asarray(normals, dt))
            else:
                z = self._sample(self.n_boundary, rng, {ax: self.bounds[ax, 0 if side == "min" else 1]})
                pts["normals"].append(None)
            pts["boundary"].append(jnp.asarray(z, dt))
        pts["equations"] = [jnp.asarray(self._sample(self.n_boundary, rng, {ax: self.bounds[ax, 0 if side == "min" else 1]}),
                                        dt) for ax, side, _ in self._bc_equations]
        pts["periodic"] = [jnp.asarray(self._sample(self.n_boundary, rng), dt) for _ in self._periodic_loss]
        return self._set_residual(pts, residual)

    def _with_edges(self, z, pts):
        """With `residual_at_boundary`, the residual's points and the conditions' ones
        (boundary, boundary equations, initial): the PDE enforced up to the boundary, as
        DeepXDE's data does."""
        if not self.residual_at_boundary:
            return z
        edges = [*pts["boundary"], *pts["equations"], *([pts["initial"]] if "initial" in pts else [])]
        return _jax().numpy.concatenate([z, *edges]) if edges else z

    # -- losses -----------------------------------------------------------------------------------

    def _condition_values(self, params, z):
        coords = [z[:, j] for j in range(z.shape[1])]
        return self._cond_fn(coords, self._param_values(params["phys"]))

    def losses(self, params, pts, data=None):
        """Each loss term (unweighted), as a dict of scalars."""
        return self._jitted_losses(params, pts, data)

    @functools.cached_property
    def _jitted_losses(self):
        # called outside training (inspection, tests): compiled once, since op-by-op
        # dispatch of the nested jvps compiles hundreds of tiny programs (seconds)
        return _jax().jit(self._loss_terms)

    @functools.cached_property
    def _jitted_net(self):
        return _jax().jit(self._net)

    def _loss_terms(self, params, pts, data=None):
        jnp = _jax().numpy
        out = {}
        z = pts["residual"] if "observed" not in pts else jnp.concatenate([pts["residual"], pts["observed"]])
        res = self._residual_values(params, z, self._grouped, pts.get("chebyshev"))
        if self.causal and self.time is not None:
            _, slabs, w = self._causal_slabs(z, sum(r**2 for r in res))
            out["residual"] = jnp.mean(w * slabs)
        else:
            out["residual"] = sum(jnp.mean(r**2) for r in res)
        if self._bc_kinds:
            terms = []
            start = 0
            for i, ((kind, k, ax, side), z, normals, count) in enumerate(
                    zip(self._bc_kinds, pts["boundary"], pts["normals"], self._bc_counts)):
                start += count
                if kind == "Dirichlet" and ax is not None and side in self._hard[k].get(ax, {}):
                    continue  # holds exactly
                coupled = self._bc_coupled[i]
                vals = (self._condition_values(params, z)[start - count : start] if coupled is None
                        else self._generated_values(params, coupled, z))
                g = vals[0]
                if kind == "Dirichlet":
                    err = self._net(params["net"], z)[:, k] - g
                else:
                    if ax is None:  # along the outward normal of the curved boundary
                        jets = self._jets(params["net"], z, [(j,) for j in self._selected[side][0]])
                        dn = sum(normals[:, j] * jets[(j,)][:, k] for j in self._selected[side][0])
                    else:
                        dn = (-1.0 if side == "min" else 1.0) * self._derivative(params["net"], z, (ax,))[:, k]
                    if kind == "Neumann":
                        err = dn - g
                    else:
                        err = vals[1] * self._net(params["net"], z)[:, k] + vals[2] * dn - g
                terms.append(self._bc_scale[i] * jnp.mean(err**2))
            if terms:
                out["boundary"] = sum(terms)
        if self._bc_equations:
            out["boundary"] = out.get("boundary", 0.0) + sum(
                jnp.mean(self._generated_values(params, gen, z)[0] ** 2)
                for (_, _, gen), z in zip(self._bc_equations, pts["equations"]))
        ti = self.inputs.index(self.time) if self.time is not None else None
        soft = [(k, j) for j, k in enumerate(self._initial) if ti not in self._hard[k]]
        if soft:
            z = pts["initial"]
            vals = self._condition_values(params, z)[sum(self._bc_counts) :]
            pred = self._net(params["net"], z)
            out["initial"] = sum(jnp.mean((pred[:, k] - vals[j]) ** 2) for k, j in soft)
        if self._periodic_loss:
            terms = []
            for ax, z in zip(self._periodic_loss, pts["periodic"]):
                lo, hi = (z.at[:, ax].set(z.dtype.type(b)) for b in self.bounds[ax])  # bounds are float64
                # match derivatives below the highest order the equations take along ax
                order = max([dirs.count(ax) for _, dirs in self._res_keys] + [1])
                wanted = [(ax,) * m for m in range(order)]
                a, b = self._jets(params["net"], lo, wanted), self._jets(params["net"], hi, wanted)
                terms += [jnp.mean((a[d] - b[d]) ** 2) for d in wanted]
            out["periodic"] = sum(terms)
        if data:
            out["data"] = sum(jnp.mean((self._observed(params, o.kind, o.z) - o.values) ** 2) for o in data)
        return out

    # -- training ----------------------------------------------------------------------------------

    def _stack_points(self, points, needed, what):
        """Rows (one per point) of every input from {variable: array}; inputs outside
        `needed` may be left out (the field does not depend on them: their lower bound)."""
        if not isinstance(points, dict):
            raise ModelError(f"{what}: give the points as {{variable: array}}, got {type(points).__name__}")
        missing = [v for v in needed if v not in points]
        if missing:
            raise ModelError(f"{what}: give points for {missing} too (the inputs are {self.inputs})")
        unknown = [v for v in points if v not in self.inputs]
        if unknown:
            raise ModelError(f"{what}: {unknown[0]} is not an input of {self.system.name!r} ({self.inputs})")
        arrays = [np.asarray(points[v], dtype=float) for v in points]
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        cols = [np.broadcast_to(np.asarray(points[v], dtype=float), shape).ravel() if v in points
                else np.full(int(np.prod(shape)), self.bounds[j, 0]) for j, v in enumerate(self.inputs)]
        return np.stack(cols, axis=1), shape

    def _data(self, data):
        """Observations {quantity: ({variable: points}, values)}: a quantity is a field
        or any expression in fields, their derivatives, coordinates and parameters.
        Returns one _Observed per entry."""
        if not data:
            return None
        if not isinstance(data, dict):
            raise ModelError(f"data={type(data).__name__}: give {{u: ({{t: T, x: X}}, U), ...}}")
        jnp = _jax().numpy
        out = []
        for i, (key, pair) in enumerate(data.items()):
            expr = sympy.sympify(key)
            what = f"data[{expr}]"
            if not (isinstance(pair, tuple) and len(pair) == 2):
                raise ModelError(f"{what}: give a pair (points, values), points = {{variable: array}}")
            fs = {f for f in expr.atoms(sympy.core.function.AppliedUndef)}
            fs |= {d.expr for d in expr.atoms(sympy.Derivative)}
            bad = [f for f in fs if f not in self.fields]
            if bad or not fs:
                raise ModelError(
                    f"{what}: the observed quantity must be a field of {self.system.name!r} {self.fields} or an "
                    f"expression in them" + (f"; {bad[0]} is not one" if bad else "")
                )
            points, values = pair
            needed = sorted({v for f in fs for v in f.args}, key=self.inputs.index)
            z, shape = self._stack_points(points, needed, what)
            values = np.ravel(np.broadcast_to(np.asarray(values, dtype=float), shape))
            if is_field(expr):
                kind = self.fields.index(expr)
            else:
                params = list(self.fixed) + list(self.learn)
                kind = generated_expressions([expr], self.fields, self.inputs, params,
                                             f"pinn_observed_{self.system.name}_{i}")
            out.append(_Observed(kind, jnp.asarray(z, self.dtype), jnp.asarray(values, self.dtype)))
        return out

    def _observed(self, params, kind, z):
        """The observed quantity at the rows of z."""
        if isinstance(kind, int):
            return self._net(params["net"], z)[:, kind]
        return self._generated_values(params, kind, z)[0]

    def train(self, steps: int = 5000, lr=1e-3, lbfgs: int = 0, data=None,
              resample_every: int | None = None, progress: bool = True, init=None, lbfgs_tol=None,
              callback=None, collocate_data: bool = True, keep_best: bool = False) -> PINNResult:
        """Adam for `steps`, then `lbfgs` L-BFGS iterations. `data` = {u: ({t: T, x: X}, U)}
        adds an observation term (and identifies `learn=` parameters and fields); the
        observed quantity may be any expression in fields and their derivatives
        ({sn.D(x)(u): (points, values)}, {k * sn.D(x)(u): ...}), and the points of a
        field of fewer variables need only its own ({k: ({x: X}, K)}). With
        `collocate_data` the observation points join the collocation points. `init` (a
        result's `.params`) continues from earlier training. L-BFGS stops early once
        100 iterations lower the loss by a relative `lbfgs_tol` or less (default: 100
        machine epsilons of `dtype`, i.e. round-off), or when its line search finds no
        decrease at all.

        `lr` is a number or an optax schedule (`optax.exponential_decay(1e-3, 1000, 0.9)`,
        any `step -> rate`). `resample_every=k` draws new points every k steps (Adam) or
        rounds of k iterations (L-BFGS): where the residual is large with
        `sampling="rad"` (default k = 1000 there), fresh ones otherwise (default: never).
        The loss is recorded every 100 steps (`loss_history`), with the `learn=`
        parameters' values beside it (`parameter_history`); `callback(step, loss,
        params)` is called at each record of the Adam phase, and returning True stops
        the training there. `keep_best` ends the Adam phase at the parameters of the
        lowest recorded loss (Keras' restore_best_weights: Adam at a fixed rate spikes, and
        a run stopped by time may stop inside a spike; with resampling the records come
        from different point sets, each an estimate of the same mean residual). The result's `timings`: compile_s,
        ms_per_adam_step, total_s, adam_steps (fewer than `steps` when the callback
        stopped), lbfgs_iterations."""
        jax = _jax()
        import optax

        rng = np.random.default_rng(self.seed)
        params = self.init_params() if init is None else init
        pts = self._points(rng)
        obs = self._data(data)
        if obs and collocate_data:  # the residual holds at the observation points too
            pts["observed"] = _jax().numpy.concatenate([o.z for o in obs])
        w = dict(self.weights)

        def total(params, pts, w):
            terms = self._loss_terms(params, pts, obs)
            return sum(w[k] * v for k, v in terms.items()), terms

        opt = optax.adam(lr)
        state = opt.init(params)

        @jax.jit
        def step(params, state, pts, w):
            (loss, terms), grads = jax.value_and_grad(total, has_aux=True)(params, pts, w)
            updates, state = opt.update(grads, state, params)
            return optax.apply_updates(params, updates), state, loss, terms

        history = []
        bar = None
        if progress:
            try:
                from tqdm.auto import tqdm

                bar = tqdm(total=steps + lbfgs, desc=f"PINN {self.system.name}", leave=False)
            except ImportError:
                bar = None
        t0 = t_steps = _time.perf_counter()
        compile_s = None
        if bar is not None and steps:
            bar.set_postfix_str("compiling the training step", refresh=True)
        rad = self.sampling == "rad"
        every = resample_every if resample_every is not None else (1000 if rad else None)
        if every is not None and (not isinstance(every, int) or every < 1):
            raise ModelError(f"resample_every={resample_every!r}: give a positive number of steps, or None")
        learned = []
        stopped = False
        done = 0  # Adam steps taken (a callback may stop early)
        best = (np.inf, None)  # keep_best: (loss, the parameters it was taken at)
        for it in range(steps):
            if every and it and it % every == 0:
                if rad:
                    self._set_residual(pts, self._rad_points(params, rng))
                else:
                    pts = self._renewed(pts, rng)
            if self.balance and it % 100 == 0:
                w = self._balanced(params, pts, obs, w)
            before = params
            params, state, loss, terms = step(params, state, pts, w)
            done = it + 1
            if it == 0:
                loss.block_until_ready()
                compile_s = _time.perf_counter() - t0
                t_steps = _time.perf_counter()
                if bar is not None:
                    bar.set_postfix_str(f"Adam (compiled in {compile_s:.1f} s)", refresh=False)
            if it % 100 == 0 or it == steps - 1:
                value = float(loss)  # the loss at `before`
                history.append(value)
                learned.append(self._learned_values(params))
                if keep_best and value < best[0]:
                    best = (value, before)
                if not np.isfinite(value):
                    bad = [k for k, v in terms.items() if not np.isfinite(float(v))]
                    raise SolverError(
                        f"the PINN loss became non-finite at Adam step {it} (terms {bad}): lower lr=, or "
                        f"use dtype=\"float64\""
                    )
                if callback is not None and callback(it, value, params):
                    stopped = True
                    break
            if bar is not None:
                bar.update(1)
        adam_s = _time.perf_counter() - t_steps
        ms_per_step = 1e3 * adam_s / max(done - 1, 1)  # the first step compiled
        if best[1] is not None:
            params = best[1]
        lbfgs = 0 if stopped else lbfgs
        if lbfgs:
            params, lbfgs_done = self._lbfgs(total, params, pts, w, lbfgs, every, rng, history, learned, bar,
                                             lbfgs_tol)
        if bar is not None:
            bar.close()
        timings = {"compile_s": compile_s, "ms_per_adam_step": ms_per_step, "total_s": _time.perf_counter() - t0,
                   "adam_steps": done, "lbfgs_iterations": lbfgs_done if lbfgs else 0}
        return PINNResult(self, params, history, timings, learned)

    def _learned_values(self, params) -> dict:
        return {p: float(params["phys"][p.name]) for p in self.learn}

    def _lbfgs(self, total, params, pts, w, iterations, resample_every, rng, history, learned, bar, tol):
        """L-BFGS-B (scipy, float64 on the host) on the flattened parameters, with one
        compiled loss-and-gradient call per function evaluation. optax's jitted
        L-BFGS ran its zoom line search as an XLA while loop: 80 ms per iteration
        and 8 s of compile on a 20x20 heat PINN whose loss and gradient take 2.7 ms;
        scipy's line search usually accepts the first step (about 1.1 evaluations
        per iteration). With resampling it runs in rounds of `resample_every`
        iterations, each on a fresh point set (L-BFGS assumes one fixed function,
        so a new set starts a new curvature history)."""
        jax = _jax()
        import scipy.optimize
        from jax.flatten_util import ravel_pytree

        flat, unravel = ravel_pytree(params)
        dtype = flat.dtype

        @jax.jit
        def value_and_grad(f, pts, w):
            return jax.value_and_grad(lambda f: total(unravel(f), pts, w)[0])(f)

        done, last, stalled = 0, None, False
        if bar is not None:
            bar.set_postfix_str("compiling L-BFGS's loss and gradient", refresh=True)
        # As with Adam, the loss is recorded every 100 iterations; a record that gained
        # no more than `stall` (relative) on the one before stops training.
        stall = 100 * float(np.finfo(self.dtype).eps) if tol is None else float(tol)

        def fun(x):
            v, g = value_and_grad(jax.numpy.asarray(x, dtype), pts, w)
            v = float(v)
            if not np.isfinite(v):
                raise SolverError(f"the PINN loss became non-finite at L-BFGS iteration {done}: use dtype=\"float64\"")
            return v, np.asarray(g, dtype=np.float64)

        def callback(intermediate_result):  # scipy passes the iterate under this name
            nonlocal done, last, stalled
            done += 1
            if bar is not None:
                if done == 1:
                    bar.set_postfix_str("L-BFGS", refresh=False)
                bar.update(1)
            it, value = done - 1, float(intermediate_result.fun)
            if it % 100 == 0 or done == iterations:
                history.append(value)
                learned.append(self._learned_values(unravel(jax.numpy.asarray(intermediate_result.x, dtype))))
                if last is not None and value > last * (1 - stall) and not rounds:  # rounds run in full
                    stalled = True
                    raise StopIteration
                last = value

        x = np.asarray(flat, dtype=np.float64)
        rounds = bool(resample_every)
        while done < iterations and not stalled:
            n = min(iterations - done, resample_every) if rounds else iterations - done
            if self.sampling == "rad":
                self._set_residual(pts, self._rad_points(unravel(jax.numpy.asarray(x, dtype)), rng))
            elif rounds and done:
                pts = self._renewed(pts, rng)
            before = done
            # no tolerance stops of scipy's own: the budget and the stall check decide
            res = scipy.optimize.minimize(fun, x, jac=True, method="L-BFGS-B", callback=callback,
                                          options={"maxiter": n, "maxcor": 10, "ftol": 0.0, "gtol": 0.0,
                                                   "maxfun": 4 * n + 20})
            x = res.x
            if done == before or (not rounds and done < iterations and not stalled):
                # scipy stopped early: its line search found no decrease left (round-off)
                if not history or history[-1] != res.fun:
                    history.append(float(res.fun))
                    learned.append(self._learned_values(unravel(jax.numpy.asarray(res.x, dtype))))
                break
        return unravel(jax.numpy.asarray(x, dtype)), done

    def _causal_slabs(self, z, sq, slabs=16):
        """Causal weighting: the squared residuals averaged over equal-count time
        slabs (in time order), and each slab's weight exp(-eps * the summed loss
        of the earlier slabs), which opens later times only once earlier ones fit."""
        jax = _jax()
        jnp = jax.numpy
        tvals = z[:, self.inputs.index(self.time)]
        usable = (tvals.shape[0] // slabs) * slabs
        order = jnp.argsort(tvals)[:usable]
        mean = sq[order].reshape(slabs, -1).mean(axis=1)
        w = jax.lax.stop_gradient(jnp.exp(-self.causal * jnp.concatenate([jnp.zeros(1), jnp.cumsum(mean)[:-1]])))
        return order, mean, w

    def _rad_points(self, params, rng, pool=10):
        """Residual-based adaptive resampling: draw collocation points with
        probability proportional to |residual| (plus a uniform floor). With causal
        weighting the residual is weighted as in the loss, so points do not pile up
        at late times the model is not yet meant to fit."""
        jnp = _jax().numpy
        cand = self._sample(pool * self.n_collocation, rng, inner=True)
        zc = jnp.asarray(cand, self.dtype)
        res = self._jitted_residuals(params, zc)
        r = sum(np.abs(np.asarray(x)) for x in res)
        if self.causal and self.time is not None:
            order, _, w = self._causal_slabs(zc, sum(x**2 for x in res))
            weight = np.full(len(cand), float(w[-1]))
            weight[np.asarray(order)] = np.repeat(np.asarray(w), len(order) // len(w))
            r = r * weight
        p = r / r.mean() + 1.0
        idx = rng.choice(len(cand), self.n_collocation, replace=False, p=p / p.sum())
        return jnp.asarray(cand[idx], self.dtype)

    @functools.cached_property
    def _jitted_residuals(self):
        # RAD evaluates the residual on a large candidate pool each round, tests and
        # users on their points: compiled once, not dispatched op by op
        return _jax().jit(self._residual_values)

    @functools.cached_property
    def _gradient_sizes(self):
        """Each loss term's mean |gradient| over all parameters, compiled once."""
        jax = _jax()
        jnp = jax.numpy

        def sizes(params, pts, obs):
            names = list(self._loss_terms(params, pts, obs))
            out = {}
            for name in names:
                g = jax.grad(lambda p, n=name: self._loss_terms(p, pts, obs)[n])(params)
                out[name] = jnp.mean(jnp.stack([jnp.abs(x).mean() for x in jax.tree_util.tree_leaves(g)]))
            return out

        return jax.jit(sizes)

    def _balanced(self, params, pts, obs, w):
        """Gradient-norm balancing (Wang, Teng & Perdikaris 2021): weight each term
        so its gradient is as large as the residual's, smoothed over updates."""
        grads = {k: float(v) for k, v in self._gradient_sizes(params, pts, obs).items()}
        names = list(grads)
        ref = grads.get("residual", 1.0)
        new = dict(w)
        for name in names:
            if name != "residual" and grads[name] > 0:
                new[name] = 0.9 * w[name] + 0.1 * ref / grads[name]
        return new
