"""What the stiff integrators (`_rosenbrock`, `_imex`) share: their option checks,
the linear solvers for diag(shift) - scale A (LAPACK for small systems, SuperLU
above; or GMRES preconditioned by algebraic multigrid or an incomplete LU), the
start of saving, and their failures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.linalg
import scipy.linalg.lapack
import scipy.sparse
import scipy.sparse.linalg

from symnum._errors import SolverError

from ._explicit import at_start, check_finite

__all__ = ["DENSE_LIMIT", "KRYLOV_ABOVE", "LINEAR_SOLVERS", "lu_solver", "linear_solver", "pick_linear_solver",
           "krylov_tol", "LinearStats", "fixed_steps", "start_saving", "check_budget", "underflow", "saved_states"]

DENSE_LIMIT = 400  # up to this many unknowns, matrices are factorized dense (LAPACK)
# Above this many unknowns (by grid dimension) a default solve uses Krylov: SuperLU's
# fill grows like n log n on 2-D stencil matrices and like n^(4/3) in 3-D (measured:
# one LU of I - h L for a two-field 3-D problem at 24^3 takes 6 s, an AMG set-up
# 0.1 s and a solve 0.05 s; in 2-D at 256^2, LU 2.3 s and 0.05 s per solve, AMG
# 0.25 s and ~0.1 s per solve, so LU with its reuse still wins there).
KRYLOV_ABOVE = {0: float("inf"), 1: float("inf"), 2: 300_000, 3: 20_000}
LINEAR_SOLVERS = ("direct", "krylov", "gmres")


def lu_solver(A, shift, scale=1.0):
    """`solve(b)` for (diag(shift) - scale A) x = b, factorized once (`shift` a number,
    or a vector: a DAE's mass matrix over gamma h)."""
    n = A.shape[0]
    if n <= DENSE_LIMIT:
        W = -scale * (A.toarray() if scipy.sparse.issparse(A) else np.asarray(A))
        W[np.diag_indices(n)] += shift
        # LAPACK directly: scipy's lu_factor/lu_solve wrappers cost more than the
        # factorization of a small system (~20 us a call, many calls per step)
        lu, piv, _ = scipy.linalg.lapack.dgetrf(W, overwrite_a=True)
        getrs = scipy.linalg.lapack.dgetrs
        return lambda b: getrs(lu, piv, b)[0]
    W = (scipy.sparse.diags(np.broadcast_to(shift, (n,)), format="csc") - scale * A).tocsc()
    # minimum degree on the symmetric pattern of a stencil matrix: half COLAMD's fill
    return scipy.sparse.linalg.splu(W, permc_spec="MMD_AT_PLUS_A").solve


def pick_linear_solver(how, prob, method):
    """The linear solver for `prob`: `how` checked, or by size when None (direct up to
    KRYLOV_ABOVE unknowns; above, GMRES with algebraic multigrid when pyamg is
    installed, else with an incomplete LU)."""
    if how is None:
        if prob.u0.size <= KRYLOV_ABOVE[min(len(prob.shape) - 1, 3)]:
            return "direct"
        try:
            import pyamg  # noqa: F401
        except ImportError:
            return "gmres"
        return "krylov"
    if how not in LINEAR_SOLVERS:
        raise SolverError(f"linear_solver={how!r} for method={method!r}: use one of {LINEAR_SOLVERS} "
                          f"(or None: chosen by size)")
    return how


@dataclass
class LinearStats:
    """Counters of the Krylov solves: GMRES iterations and preconditioner set-ups."""

    iterations: int = 0
    setups: int = 0

    def as_stats(self) -> dict:
        return {"preconditioners": self.setups, "linear_iterations": self.iterations}


def _amg(W):
    try:
        import pyamg
    except ImportError:
        raise SolverError(
            "linear_solver=\"krylov\" preconditions GMRES with algebraic multigrid from pyamg, which is "
            "not installed: pip install 'symnum[amg]' (or use linear_solver=\"gmres\", preconditioned by "
            "an incomplete LU)"
        ) from None
    # classical (Ruge-Stuben) AMG: 5-9 iterations on I - h L of coupled reaction-diffusion
    # systems where smoothed aggregation took 40-120
    return pyamg.ruge_stuben_solver(W, max_coarse=500)


def _ilu(W):
    try:
        ilu = scipy.sparse.linalg.spilu(W.tocsc(), drop_tol=1e-5, fill_factor=10)
    except RuntimeError as e:  # SuperLU: "Factor is exactly singular"
        raise SolverError(
            f"the incomplete LU preconditioner of linear_solver=\"gmres\" failed ({str(e).strip()}): the step's matrix "
            f"is singular or nearly so; check the model, or use linear_solver=\"direct\""
        ) from None
    return scipy.sparse.linalg.LinearOperator(W.shape, ilu.solve)


def krylov_tol(rtol) -> float:
    """GMRES's relative residual: well below the integration's tolerance, so that
    inexact stage solves do not show in the error estimate."""
    return max(1e-13, 1e-3 * rtol)


def linear_solver(A, shift, scale, how, tol, stats: LinearStats):
    """`solve(b[, x0])` for (diag(shift) - scale A) x = b: `how` "direct" factorizes once
    (`lu_solver`); "krylov" (algebraic multigrid) and "gmres" (incomplete LU) build
    their preconditioner once and iterate GMRES to a relative residual `tol`."""
    if how == "direct":
        return lu_solver(A, shift, scale)
    n = A.shape[0]
    W = (scipy.sparse.diags(np.broadcast_to(shift, (n,))) - scale * A).tocsr()
    stats.setups += 1
    if how == "krylov":
        ml = _amg(W)

        def amg_solve(b, x0=None):
            res = []
            x, info = ml.solve(b, x0=x0, tol=tol, accel="gmres", maxiter=min(200, n), residuals=res,
                               return_info=True)
            stats.iterations += len(res) - 1
            # the true residual: pyamg's GMRES can report success after a breakdown
            if info != 0 or not np.linalg.norm(b - W @ x) <= 100 * tol * np.linalg.norm(b):  # NaN too
                raise SolverError(
                    f"GMRES (linear_solver='krylov') did not reach a relative residual of {tol:.1e} in "
                    f"{len(res) - 1} iterations: the step's matrix is too far from what multigrid "
                    f"handles; use linear_solver=\"direct\""
                )
            return x

        return amg_solve
    M = _ilu(W)

    def solve(b, x0=None):
        count = [0]

        def tick(_):
            count[0] += 1

        x, info = scipy.sparse.linalg.gmres(W, b, x0=x0, M=M, rtol=tol, atol=0.0, restart=30, maxiter=20,
                                            callback=tick, callback_type="pr_norm")
        stats.iterations += count[0]
        if info != 0:
            raise SolverError(
                f"GMRES (linear_solver={how!r}) did not reach a relative residual of {tol:.1e} in "
                f"{count[0]} iterations: the step's matrix is too far from what the preconditioner "
                f"handles; use linear_solver=\"direct\""
            )
        return x

    return solve


def fixed_steps(prob, name, adaptive, dt) -> bool:
    """Whether the steps are fixed (`adaptive=False`), after checking the options."""
    fixed = adaptive is False
    if fixed and dt is None:
        raise SolverError(f"adaptive=False takes a fixed step: pass dt=... to method={name!r}")
    if prob.backend == "cuda":
        raise SolverError(
            f"method={name!r} factorizes sparse matrices on the host: discretize with "
            f"backend=\"numba\" (or \"numpy\") for it"
        )
    return fixed


def start_saving(prob, saveat, t0, t1, dense, y0=None):
    """(y0 flattened (default `prob.u0`), save times still to come, states saved so
    far, where to stop): with dense output the integration covers all of tspan."""
    y = np.array(prob.u0 if y0 is None else y0, dtype=float).reshape(-1)
    save = [float(s) for s in saveat]
    out = []
    if at_start(save, t0):
        out.append(y.copy())
        save = save[1:]
    t_end = max(save[-1], t1) if dense else (save[-1] if save else t0)
    return y, save, out, t_end


def check_budget(steps, max_steps, t, t_end):
    if steps >= max_steps:
        raise SolverError(f"more than {max_steps} steps before t = {t_end:.6g} (now t = {t:.6g}): raise max_steps=...")


def underflow(prob, name, t, hs, y_new):
    check_finite(prob, y_new.reshape(prob.shape), t + hs, advice="the problem may be singular there")
    raise SolverError(
        f"step size underflow at t = {t:.6g} ({name}): the solution may be singular there; check the model, "
        f"or loosen rtol/atol"
    )


def saved_states(prob, out, saveat):
    """The saved states on the grid, boundary nodes filled."""
    return np.array([prob.fill_boundaries(v.reshape(prob.shape), tt) for v, tt in zip(out, saveat)])
