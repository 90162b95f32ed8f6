"""What the stiff integrators (`_rosenbrock`, `_imex`) share: their option checks,
one linear solver for shift I - scale A (LAPACK for small systems, SuperLU
above), the start of saving, and their failures."""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.sparse
import scipy.sparse.linalg

from symnum._errors import SolverError

from ._explicit import at_start, check_finite

__all__ = ["DENSE_LIMIT", "lu_solver", "fixed_steps", "start_saving", "check_budget", "underflow", "saved_states"]

DENSE_LIMIT = 400  # up to this many unknowns, matrices are factorized dense (LAPACK)


def lu_solver(A, shift, scale=1.0):
    """`solve(b)` for (diag(shift) - scale A) x = b, factorized once (`shift` a number,
    or a vector: a DAE's mass matrix over gamma h)."""
    n = A.shape[0]
    if n <= DENSE_LIMIT:
        W = -scale * (A.toarray() if scipy.sparse.issparse(A) else np.asarray(A))
        W[np.diag_indices(n)] += shift
        lu = scipy.linalg.lu_factor(W, check_finite=False)
        return lambda b: scipy.linalg.lu_solve(lu, b, check_finite=False)
    W = (scipy.sparse.diags(np.broadcast_to(shift, (n,)), format="csc") - scale * A).tocsc()
    # minimum degree on the symmetric pattern of a stencil matrix: half COLAMD's fill
    return scipy.sparse.linalg.splu(W, permc_spec="MMD_AT_PLUS_A").solve


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
