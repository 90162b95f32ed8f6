"""Every example script runs and prints the numbers it is about (checked here
against values from an independent run, not only that it printed something)."""

import pathlib
import re
import runpy

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


CHECKS = {"nonlocal_population.py": check_nonlocal_population, "boundary_layer.py": check_boundary_layer, "cantilever.py": check_cantilever, "brusselator.py": check_brusselator, "lorenz.py": check_lorenz, "wave.py": check_wave,
          "gp_poisson.py": check_gp_poisson, "burgers_operator.py": check_burgers_operator}
SLOW = {"gp_poisson.py", "burgers_operator.py"}  # a minute or two: run by benchmarks/slow_tests.sh


def test_every_example_has_a_check():
    assert {p.name for p in EXAMPLES} == set(CHECKS)


@pytest.mark.parametrize(
    "path", [pytest.param(p, marks=pytest.mark.slow) if p.name in SLOW else p for p in EXAMPLES], ids=lambda p: p.name
)
def test_example_runs(path, capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("sys.argv", [str(path)])  # as if run from the shell, no arguments
    monkeypatch.chdir(tmp_path)  # figures an example writes land here, not in the checkout
    runpy.run_path(str(path), run_name="__main__")
    CHECKS[path.name](capsys.readouterr().out)
