"""Every example script runs and prints the numbers it is about (checked here
against values from an independent run, not only that it printed something)."""

import pathlib
import re
import runpy

import numpy as np
import pytest

EXAMPLES = sorted((pathlib.Path(__file__).parent.parent / "examples").glob("*.py"))

# the Brusselator at 32x32, BDF: field ranges at the saved times (the MoL reference
# in test_brusselator.py agrees with these to 2e-4)
BRUSSELATOR = {0.0: (0.0, 2.750, 0.0, 3.375), 1.1: (0.603, 0.604, 2.921, 2.921),
               5.0: (2.374, 2.378, 3.309, 3.310), 11.5: (3.635, 3.639, 1.840, 1.840)}


def check_brusselator(out):
    assert "PDESystem 'brusselator'" in out and "the generated interior loop:" in out
    rows = re.findall(r"t = +([\d.]+): u in \[([\d.]+), ([\d.]+)\], v in \[([\d.]+), ([\d.]+)\]", out)
    assert [float(r[0]) for r in rows] == list(BRUSSELATOR)
    for r in rows:
        assert [float(v) for v in r[1:]] == pytest.approx(BRUSSELATOR[float(r[0])], abs=2e-3), r


def check_lorenz(out):
    assert "ODESystem 'lorenz'" in out and re.search(r"tsit5: \d+ steps", out)
    rows = re.findall(r"t = +([\d.]+): x = ([+-][\d.]+)  scipy DOP853: ([+-][\d.]+)", out)
    assert [float(r[0]) for r in rows] == [0.0, 2.5, 5.0, 7.5, 10.0]  # saved by dense output
    for _, ours, scipy_ in rows:  # chaos amplifies errors: agreement means both are accurate
        assert float(ours) == pytest.approx(float(scipy_), abs=1e-5)
    between = re.findall(r"sol\(([\d.]+)\): x = ([+-][\d.]+)  scipy DOP853: ([+-][\d.]+)", out)
    assert [float(b[0]) for b in between] == [3.3, 8.05]
    for _, ours, scipy_ in between:
        assert float(ours) == pytest.approx(float(scipy_), abs=1e-5)
    fixed = re.findall(r"rho = ([\d.]+): z\(50\) = ([\d.]+)", out)
    assert len(fixed) == 4 and all(abs(float(zv) - (float(r) - 1)) < 1e-2 for r, zv in fixed), fixed


def check_wave(out):
    assert "PDESystem 'string'" in out and "u_dot_t = " in out  # reduced to first order
    rows = re.findall(r"n = +(\d+): state \(u\(t, x\), u_dot\(t, x\)\), max error at t = 1: ([\d.e+-]+)", out)
    assert [int(r[0]) for r in rows] == [21, 41, 81]
    errs = [float(r[1]) for r in rows]
    assert errs[0] == pytest.approx(1.076e-06, rel=0.02) and errs[-1] < 1e-8  # exact solution, order 4
    slopes = [float(s) for s in re.search(r"observed order: ([\d.]+) ([\d.]+)", out).groups()]
    assert all(s > 3.8 for s in slopes), slopes


def check_gp_poisson(out):
    gp = re.search(r"GP .*error ([\d.e+-]+) in .*frequency ([\d.]+) \(exact ([\d.]+)\)", out)
    assert float(gp.group(1)) < 1e-4 and abs(float(gp.group(2)) - float(gp.group(3))) < 0.01
    pinn = float(re.search(r"PINN .*error ([\d.e+-]+) in", out).group(1))
    assert pinn > 0.5  # spectral bias: the PINN does not find sin(100 x) in this budget


def check_burgers_operator(out):
    assert re.search(r"generated 600 samples on 128 nodes", out)
    test = float(re.search(r"test relative L2 ([\d.e+-]+) \(first epoch ([\d.e+-]+)\)", out).group(1))
    assert test < 2e-2, test
    unseen = [float(v) for v in re.findall(r"unseen u0 #\d: relative L2 of the operator against the solver ([\d.e+-]+)", out)]
    assert len(unseen) == 3 and max(unseen) < 5e-2, unseen


def check_cantilever(out):
    assert "PDESystem 'cantilever'" in out and "w_xxx = 0 at x = max" in out
    static = re.findall(r"static, order (\d), n = +(\d+): tip ([+-][\d.]+) \(exact ([+-][\d.]+)\), max error ([\d.e+-]+)", out)
    assert len(static) == 4
    for _, _, tip, want, err in static:  # a quartic: exact up to rounding at orders 2 and 4
        assert float(tip) == pytest.approx(float(want)) and float(err) < 1e-9
    settled = float(re.search(r"difference at t = 8 ([\d.e+-]+)", out).group(1))
    assert settled < 1e-6, settled


def check_boundary_layer(out):
    rows = {(g, int(o)): (float(e), float(u)) for g, o, e, u in
            re.findall(r"(uniform|graded), 65 nodes +order (\d): max error ([\d.e+-]+), undershoot ([\d.e+-]+)", out)}
    assert len(rows) == 4, out
    assert rows[("uniform", 2)][1] > 0.5  # central differences oscillate across the unresolved layer
    assert rows[("graded", 2)][0] < 1e-2 and rows[("graded", 4)][0] < 1e-3  # the same nodes, clustered
    assert rows[("graded", 2)][1] < 1e-8 and rows[("graded", 4)][1] < 1e-8


def check_nonlocal_population(out):
    errs = {int(o): float(e) for o, e in re.findall(r"order (\d): N\(0\) = 0\.177244.*max error of N over t ([\d.e+-]+)", out)}
    assert errs.keys() == {2, 4} and errs[2] < 1e-5 and errs[4] < 1e-6, out  # the exact logistic total


def check_gray_scott(out):
    rows = {name: tuple(float(v) for v in rest) for name, *rest in re.findall(
        r"(spots|stripes) +F = [\d.]+, k = [\d.]+: \d+ steps in [\d.]+ s; v > 0\.2 covers ([\d.]+) of the square "
        r"in (\d+) regions, the largest ([\d.]+); (\d+) peaks", out)}
    assert rows.keys() == {"spots", "stripes"}, out
    covers, _, largest, peaks = rows["spots"]
    assert peaks >= 8 and largest < 0.02 and covers < 0.15, rows  # isolated small spots (16 measured)
    covers, _, largest, _ = rows["stripes"]
    assert largest > 0.2 and covers > 0.3, rows  # one connected labyrinth (0.359 of 0.423 measured)


def check_allen_cahn(out):
    steps = {m: int(n) for m, n in re.findall(r"(kencarp4|tsit5) *: +(\d+) steps", out)}
    assert steps["kencarp4"] < steps["tsit5"] / 2, steps  # IMEX: not held to the stability limit
    assert float(re.search(r"differ by at most ([\d.e+-]+)", out).group(1)) < 2e-3
    energies = [float(e) for e in re.findall(r"t = +[\d.]+: E = ([\d.]+)", out)]
    assert len(energies) == 11 and energies[0] == pytest.approx(0.26554, abs=1e-4), energies
    assert all(b <= a for a, b in zip(energies, energies[1:])) and energies[-1] < 0.06, energies
    assert "energy never increases: True" in out
    assert float(re.findall(r"\|u\| <= ([\d.]+)", out)[-1]) == pytest.approx(1.0, abs=1e-3)  # separated phases


def check_kdv(out):
    errs = [float(e) for e in re.findall(r"max error at t = 20: ([\d.e+-]+)", out)]
    assert len(errs) == 2 and errs[1] < 2e-4, errs
    assert float(re.search(r"observed order: ([\d.]+)", out).group(1)) > 3.7
    spectral = float(re.search(r"spectral .*, n = \d+: \d+ steps in [\d.]+ s, error at t = 20: ([\d.e+-]+)", out).group(1))
    assert spectral < 1e-5, spectral  # half the nodes of the finer stencil grid, 100x more accurate
    invariants = [float(v) for v in re.search(r"int u = ([\d.]+) -> ([\d.]+), int u\^2 = ([\d.]+) -> ([\d.]+) "
                                              r"\(exact ([\d.]+), ([\d.]+)\)", out).groups()]
    assert invariants[1] == pytest.approx(invariants[4], abs=1e-6) and invariants[3] == pytest.approx(invariants[5], abs=1e-5)
    for got, want in re.findall(r"peaks at ([^(]+) \(exact ([^)]+)\)", out):  # the collision's phase shifts
        got, want = [float(v) for v in got.split(",")], [float(v) for v in want.split(",")]
        assert len(got) == 2 and np.allclose(got, want, atol=2e-3), (got, want)


def check_heat_convergence(out):
    rows = {int(o): ([float(e) for e in errs.split()], [float(s) for s in slopes.split()]) for o, errs, slopes in
            re.findall(r"order (\d): max errors ([\d.e+\- ]+); observed orders ([\d. ]+)", out)}
    assert rows.keys() == {2, 4, 6}, out
    for order, (errs, slopes) in rows.items():
        assert slopes and all(s > order - 0.6 for s in slopes), (order, slopes)  # order 4 pre-asymptotic: 3.45
    assert rows[6][0][-1] < 1e-5 < rows[2][0][-1]


def check_burgers_discovery(out):
    rows = re.findall(r"largest relative coefficient error ([\d.e+-]+), (\d+) wrong terms", out)
    assert len(rows) == 3 and all(int(w) == 0 for _, w in rows), rows
    errs = [float(e) for e, _ in rows]
    assert errs[0] < 1e-3 and errs[2] < 3e-2, errs  # clean: 2.2e-4; 20% noise: 7.9e-3
    assert float(re.search(r"simulated again: relative L2 error ([\d.e+-]+)", out).group(1)) < 2e-2


def check_pinn_burgers(out):
    if "Raissi's reference data" in out:
        assert float(re.search(r"Raissi's reference data: relative L2 ([\d.e+-]+)", out).group(1)) < 1e-4
    err = float(re.search(r"relative L2 error ([\d.e+-]+) against the method of lines", out).group(1))
    assert err < 0.2, err  # 0.107 measured at this budget


def check_poisson(out):
    rows = re.findall(r"order (\d), +(\d+) x (\d+) *: max error ([\d.e+-]+), (\d+) iterations \((\w+)\)", out)
    errs = {(int(o), int(n)): float(e) for o, n, _, e, _, _ in rows}
    assert errs.keys() >= {(2, 17), (2, 33), (4, 17), (4, 33)}, out
    assert 3.5 < errs[(2, 17)] / errs[(2, 33)] < 4.5 and errs[(4, 17)] / errs[(4, 33)] > 12, errs
    assert errs[(4, 33)] < 2e-6 and all(int(it) <= 40 for *_, it, _ in rows), rows
    assert float(re.search(r"max difference from the direct solve ([\d.e+-]+)", out).group(1)) < 1e-8


def check_pinn_inverse_field(out):
    assert "discretize: the steady PDESystem has 1 equation(s) for 2 fields" in out
    rows = {label.strip(): (float(ek), float(eu)) for label, ek, eu in re.findall(
        r"(clean|1% noise), 50 observations of u, .*: k relative L2 ([\d.e+-]+), u relative L2 ([\d.e+-]+)", out)}
    assert rows.keys() == {"clean", "1% noise"}, out
    assert rows["clean"][0] < 0.02 and rows["clean"][1] < 1e-3, rows  # 7.4e-3 and 2.1e-4 measured
    assert rows["1% noise"][0] < 0.1, rows  # 5.6e-2 measured


def check_pinn_geometry(out):
    assert "discretize: the domain of x, y is (Rectangle" in out and "finite differences need a rectangular" in out
    errs = {name.strip(): float(e) for name, e in re.findall(r"(disk|holed square): .*relative L2 error ([\d.e+-]+)", out)}
    assert errs.keys() == {"disk", "holed square"} and max(errs.values()) < 1e-2, errs  # 1.6e-3, 1.1e-3 measured


def check_pinn_integral(out):
    assert "discretize: the equation 1 (Integral(y(t)*exp(t), (t, 0, t))) integrates t from 0 to t" in out
    assert "sn.Eq(sn.D(t)(w), f) and sn.Initial(w, 0)" in out
    err = float(re.search(r"L-BFGS steps in [\d.]+ s: relative L2 error ([\d.e+-]+) against", out).group(1))
    assert err < 1e-3, err  # 3.3e-5 measured
    assert float(re.search(r"method of lines \(w' = y - w\): max error ([\d.e+-]+)", out).group(1)) < 1e-8


def check_pinn_fractional(out):
    err = float(re.search(r"Adam steps at [\d.]+ ms \([\d.]+ s\): relative L2 error ([\d.e+-]+) against", out).group(1))
    assert err < 2e-2, err  # 9.5e-3 measured (3000 steps)


def check_composite_wall(out):
    assert "blocks:     x1 = 0.3 s; x2 = 1 - 0.7 s" in out
    steady = re.search(r"max error ([\d.e+-]+) against the series-resistance profile; interface temperature "
                       r"([\d.]+) \(exact ([\d.]+)\)", out)
    assert float(steady.group(1)) < 1e-9 and steady.group(2) == steady.group(3) == "0.961538"
    orders = {int(o): float(p) for o, p in re.findall(r"order (\d): interface temperature at t = 1 on 11/21/41 "
                                                       r"points: .* observed order ([\d.]+)", out)}
    assert orders[2] > 1.9 and orders[4] > 3.9, orders  # 2.25 and 5.95 measured
    same = re.search(r"spacing 0.05 in both layers \(7 \+ 15 points, CompositeProblem\): max error ([\d.e+-]+)", out)
    assert float(same.group(1)) < 1e-9
    spaced = re.search(r"order 2: interface temperature at t = 1 on spacing .* observed order ([\d.]+)", out)
    assert float(spaced.group(1)) > 1.9


def check_surface_layer(out):
    assert "on walls:   h(t, x) on y = max" in out
    drift = float(re.search(r"total amount drifts by ([\d.e+-]+)", out).group(1))
    assert drift < 1e-3
    level = float(re.search(r"the total over 2 = ([\d.]+)", out).group(1))
    bulk, layer = re.search(r"t =  3.0: bulk in \[([\d.]+), ([\d.]+)\], layer in \[([\d.]+), ([\d.]+)\]",
                            out).groups()[::2]
    assert float(bulk) == pytest.approx(level, abs=2e-4) and float(layer) == pytest.approx(level, abs=2e-4)
    orders = [float(v) for v in re.findall(r"order ([\d.]+)", out)]
    assert len(orders) == 2 and min(orders) > 1.6


CHECKS = {"gray_scott.py": check_gray_scott, "composite_wall.py": check_composite_wall,
          "surface_layer.py": check_surface_layer, "allen_cahn.py": check_allen_cahn, "kdv.py": check_kdv,
          "heat_convergence.py": check_heat_convergence, "burgers_discovery.py": check_burgers_discovery,
          "pinn_burgers.py": check_pinn_burgers, "poisson.py": check_poisson,
          "nonlocal_population.py": check_nonlocal_population, "boundary_layer.py": check_boundary_layer, "cantilever.py": check_cantilever, "brusselator.py": check_brusselator, "lorenz.py": check_lorenz, "wave.py": check_wave,
          "gp_poisson.py": check_gp_poisson, "burgers_operator.py": check_burgers_operator,
          "pinn_inverse_field.py": check_pinn_inverse_field, "pinn_geometry.py": check_pinn_geometry,
          "pinn_integral.py": check_pinn_integral, "pinn_fractional.py": check_pinn_fractional}
SLOW = {"gp_poisson.py", "burgers_operator.py", "pinn_burgers.py", "poisson.py", "pinn_inverse_field.py",
        "pinn_geometry.py"}  # a minute or two: benchmarks/slow_tests.sh
# the arguments the suite runs an example with (smaller than its default); none: its default
ARGS = {"heat_convergence.py": ["17"], "poisson.py": ["33"], "pinn_fractional.py": ["3000"]}


def test_every_example_has_a_check():
    assert {p.name for p in EXAMPLES} == set(CHECKS)


@pytest.mark.parametrize(
    "path", [pytest.param(p, marks=pytest.mark.slow) if p.name in SLOW else p for p in EXAMPLES], ids=lambda p: p.name
)
def test_example_runs(path, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("sys.argv", [str(path), *ARGS.get(path.name, [])])  # as if run from the shell
    monkeypatch.chdir(tmp_path)  # figures an example writes land here, not in the checkout
    runpy.run_path(str(path), run_name="__main__")
    CHECKS[path.name](capsys.readouterr().out)
