"""A steady nonlinear Poisson problem in 2D, solved by Newton's method.

    -div((1 + u^2) grad u) = f   on [0, 1]^2,   u = g on the walls

f and g come from the manufactured solution u = exp(x) sin(pi y / 2) + x y, so the
error is known exactly. The diffusion in flux form gets the compact conservative
scheme (reach 1 at order 2). Newton's method uses the Jacobian generated from the
stencils (sparse LU; `linear_solver="gmres"` for ILU-preconditioned GMRES) and
starts from u = 0, where the linearization is poor (the conductivity there is 1,
at the solution up to 15): its line search hands over to pseudo-transient
continuation, which becomes Newton's method again near the solution
(`sol.stats["mode"]`). Prints the error and iteration count for orders 2 and 4 on
three grids, with the observed order; writes poisson.png if matplotlib is
installed.

Run:  python examples/poisson.py [n_max]    (default 65)
"""

import sys
import time

import numpy as np
import sympy

import symnum as sn
from symnum import solvers

x, y = sn.variables("x y")
u = sn.fields("u", x, y)
exact = sn.exp(x) * sn.sin(sn.pi * y / 2) + x * y
k = 1 + u**2
source = -(sn.D(x)((1 + exact**2) * sn.D(x)(exact)) + sn.D(y)((1 + exact**2) * sn.D(y)(exact))).doit()
poisson = sn.PDESystem(
    [sn.Eq(-sn.div(k * sn.grad(u, x, y), x, y), source)],
    [sn.Dirichlet(u, v, side, exact.subs(v, end)) for v in (x, y) for side, end in (("min", 0), ("max", 1))],
    domain={x: (0, 1), y: (0, 1)}, name="poisson")
exact_fn = sympy.lambdify((x, y), exact, "numpy")


def main(n_max: int = 65) -> None:
    print(poisson)
    sizes = [n for n in (17, 33, 65, 129) if n <= n_max]
    for order in (2, 4):
        errs = []
        for n in sizes:
            prob = solvers.discretize(poisson, {x: n, y: n}, order=order)
            start = time.perf_counter()
            sol = solvers.solve(prob)
            X, Y = np.meshgrid(prob.grid[x], prob.grid[y], indexing="ij")
            errs.append(np.abs(sol[u] - exact_fn(X, Y)).max())
            print(f"order {order}, {n:3d} x {n:<3d}: max error {errs[-1]:.2e}, "
                  f"{sol.stats['newton_iterations']} iterations ({sol.stats['mode']}), {time.perf_counter() - start:.2f} s")
        slopes = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
        print(f"order {order}: observed orders {' '.join(f'{s:.2f}' for s in slopes)}")
    gm = solvers.solve(prob, linear_solver="gmres")
    print(f"with GMRES (ILU): max difference from the direct solve {np.abs(gm[u] - sol[u]).max():.1e}, "
          f"{gm.stats['newton_iterations']} iterations")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.8))
    im = a.imshow(sol[u].T, origin="lower", extent=(0, 1, 0, 1))
    a.set_title("u (order 4)")
    fig.colorbar(im, ax=a)
    im = b.imshow((sol[u] - exact_fn(X, Y)).T, origin="lower", extent=(0, 1, 0, 1), cmap="RdBu_r")
    b.set_title("u - exact")
    fig.colorbar(im, ax=b)
    fig.tight_layout()
    fig.savefig("poisson.png", dpi=110)
    plt.close(fig)
    print("wrote poisson.png")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 65)
