"""A cantilever beam, with boundary conditions written as MethodOfLines.jl writes
them: equations in the field and its derivatives AT the boundary.

Clamped at x = 0 (u = u_x = 0), free at x = L (no moment u_xx = 0, no shear
u_xxx = 0): two conditions per end of a fourth-order operator. First the static
deflection under a uniform load q, EI u_xxxx = -q, against Euler-Bernoulli's
u = -q x^2 (6 L^2 - 4 L x + x^2) / (24 EI); then the beam released from rest,
damped, u_tt = -EI u_xxxx - c u_t - q (reduced to first order automatically), which
settles onto that deflection.

Run:  python examples/cantilever.py
"""

import numpy as np

import symnum as sn
from symnum import solvers

x, t = sn.variables("x t")
L, EI, q, c = 1.0, 1.0, 1.0, 4.0


def conditions(u):
    return [sn.Eq(u.subs(x, 0), 0), sn.Eq(u.diff(x).subs(x, 0), 0),          # clamped
            sn.Eq(u.diff(x, 2).subs(x, L), 0), sn.Eq(u.diff(x, 3).subs(x, L), 0)]  # free


def exact(X):
    return -q * X**2 * (6 * L**2 - 4 * L * X + X**2) / (24 * EI)


def main():
    # static: the fourth-order operator with two boundary equations per end
    w = sn.fields("w", x)
    static = sn.PDESystem([sn.Eq(EI * sn.D(x, 4)(w), -q)], conditions(w), domain={x: (0, L)}, name="cantilever")
    print(static)
    for order in (2, 4):
        for n in (21, 41):
            sol = solvers.solve(solvers.discretize(static, {x: n}, order=order))
            X = np.linspace(0, L, n)
            err = np.abs(sol[w] - exact(X)).max()
            print(f"static, order {order}, n = {n:2d}: tip {sol[w][-1]:+.6f} (exact {exact(L):+.6f}), "
                  f"max error {err:.2e}")

    # dynamic: from rest, damped, onto the static deflection
    u = sn.fields("u", t, x)
    beam = sn.PDESystem([sn.Eq(sn.D(t, 2)(u), -EI * sn.D(x, 4)(u) - c * sn.D(t)(u) - q)],
                        conditions(u) + [sn.Eq(u.subs(t, 0), 0), sn.Initial(sn.D(t)(u), 0)],
                        domain={t: (0, 8), x: (0, L)}, name="cantilever_dynamic")
    # order 4: the closure's one-sided stencils keep the discrete u_xxxx definite, so every
    # mode decays (tests/test_boundary_equations.py checks the spectrum and the order)
    prob = solvers.discretize(beam, {x: 41}, order=4)
    sol = solvers.solve(prob, method="rodas5p", rtol=1e-6, atol=1e-9, saveat=[0, 0.5, 1, 2, 4, 8], progress=False)
    for k, tk in enumerate(sol.t):
        print(f"released from rest, t = {tk:3.1f}: tip {sol[u][k][-1]:+.6f}")
    print(f"settles onto the static tip {exact(L):+.6f}: difference at t = 8 "
          f"{abs(sol[u][-1][-1] - exact(L)):.1e}")
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    fig, ax = plt.subplots(figsize=(6, 3.6))
    X = prob.grid[x]
    for k, tk in enumerate(sol.t):
        ax.plot(X, sol[u][k], label=f"t = {tk:g}")
    ax.plot(X, exact(X), "k:", label="static (exact)")
    ax.set_xlabel("x")
    ax.set_ylabel("deflection")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig("cantilever.png", dpi=110)
    plt.close(fig)
    print("wrote cantilever.png")


if __name__ == "__main__":
    main()
