"""Kernels are cached on disk (DESIGN: "Kernels are cached on disk, keyed by a hash
of their source and versions"): a second process finds the generated modules (kernel
and time-stepping loop) and Numba's compiled code in the cache directory and
compiles nothing."""

import os
import subprocess
import sys

import numpy as np

SCRIPT = r"""
import logging, sys, time
logging.basicConfig(level=logging.DEBUG, stream=sys.stdout, format="%(name)s %(message)s")
for noisy in ("numba", "jax", "egglog", "matplotlib"):
    logging.getLogger(noisy).setLevel(logging.WARNING)
import sympy, symnum as sn
from symnum.solvers import discretize
t, x = sn.variables("t x")
u = sn.fields("u", t, x)
heat = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) - u**3)],
                    [sn.Dirichlet(u, x, "min", 0), sn.Neumann(u, x, "max", 0), sn.Initial(u, sympy.sin(x))],
                    domain={t: (0, 1), x: (0, 1)}, name="cached")
prob = discretize(heat, {x: 17}, backend="numba")
fn = prob._host_kernel  # the serial twin of prob.kernel.fn on a state this small
print("hits", sum(fn.stats.cache_hits.values()), "misses", sum(fn.stats.cache_misses.values()))
from symnum.solvers import METHODS, solve
from symnum.solvers.integrate._explicit import _stepper_for
solve(prob, method="euler", dt=1e-3, progress=False)
step = _stepper_for(prob, METHODS["euler"]).step
print("stepper hits", sum(step.stats.cache_hits.values()), "misses", sum(step.stats.cache_misses.values()))
print("egglog imported", "egglog" in sys.modules)
"""


def _run(cache):
    env = {**os.environ, "SYMNUM_CACHE_DIR": str(cache), "NUMBA_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True, env=env).stdout


def test_second_process_loads_kernels_from_the_disk_cache(tmp_path):
    first = _run(tmp_path)
    kernels = tmp_path / "kernels"
    sources = sorted(p.name for p in kernels.glob("rhs_cached_*.py"))
    assert len(sources) == 1 and "written to" in first and "hits 0 misses 1" in first
    compiled = sorted(p.name for p in (kernels / "__pycache__").glob("rhs_cached_*"))
    assert any(n.endswith(".nbi") for n in compiled) and any(n.endswith(".nbc") for n in compiled)
    second = _run(tmp_path)
    assert f"kernel {sources[0][:-3]}: cache hit" in second
    assert "hits 1 misses 0" in second, second
    assert sorted(p.name for p in (kernels / "__pycache__").glob("rhs_cached_*")) == compiled
    # the compiled time-stepping loop too
    assert "stepper hits 0 misses 1" in first and "stepper hits 1 misses 0" in second, second
    # the optimized programs too: the second process never imports the e-graph engine
    assert len(list((tmp_path / "programs").glob("rhs_cached_*.pkl"))) == 1
    assert "egglog imported True" in first and "egglog imported False" in second, second


def test_kernel_names_ignore_parameter_values_not_templates():
    """The kernel's name digests the templates (structurally, not printed: printing a 3-D
    order-4 system's took ~1.5 s); a parameter counts by name, its value being a kernel
    argument, so a system with another value reuses the compiled kernel."""
    import sympy

    import symnum as sn
    from symnum.solvers import discretize

    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    k = sn.parameter("k", 1.0)

    def system(rhs):
        return sn.PDESystem([sn.Eq(sn.D(t)(u), rhs)], [sn.Periodic(x), sn.Initial(u, sympy.sin(2 * sympy.pi * x))],
                            domain={t: (0, 1), x: (0, 1)}, name="named")

    a = discretize(system(k * sn.D(x, 2)(u)), {x: 16}, backend="numpy")
    b = discretize(system(k * sn.D(x, 2)(u)).with_parameters({k: 3.0}), {x: 16}, backend="numpy")
    c = discretize(system(k * sn.D(x, 2)(u) + u), {x: 16}, backend="numpy")
    assert a.kernel is b.kernel and b.params[k] == 3.0
    assert c.kernel is not a.kernel


def test_stored_programs_made_for_another_parameter_value_print_this_ones_name():
    """Optimized programs are stored by the same digest (parameters by name): loaded
    in a process whose parameter has another value (an unequal Parameter), they get
    this system's parameters, or the kernel would print the bare name (a NameError
    when run; seen when test workers shared a fresh cache)."""
    import sympy

    import symnum as sn
    from symnum.solvers import _problem, discretize

    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)

    def system(c):
        return sn.PDESystem([sn.Eq(sn.D(t)(u), -sn.parameter("c", c) * sn.D(x)(u))],
                            [sn.Periodic(x), sn.Initial(u, sympy.sin(2 * sympy.pi * x))],
                            domain={t: (0, 1), x: (0, 1)}, name="revalued")

    first = discretize(system(1.0), {x: 16}, advection="upwind", backend="numpy")
    for key in [k for k in _problem._GENERATED if k[0].startswith("rhs_revalued")]:
        del _problem._GENERATED[key]  # as in a new process: the programs remain (on disk, in _PROGRAMS)
    second = discretize(system(-1.0), {x: 16}, advection="upwind", backend="numpy")
    assert second.kernel is not first.kernel
    s = np.random.default_rng(0).normal(size=second.shape)
    h = 1 / 16
    np.testing.assert_allclose(second.rhs(s, 0.0)[0], (-3 * s[0] + 4 * np.roll(s[0], -1) - np.roll(s[0], -2)) / (2 * h))


def test_optimized_programs_are_made_stored_and_loaded(tmp_path, monkeypatch):
    """With an empty store the programs are optimized and written (the path a warm
    cache never takes, so the suite's coverage depended on the store's state); cleared
    from memory, the same problem loads them back and computes the same right-hand side."""
    import numpy as np

    import symnum as sn
    from symnum.solvers import _problem, discretize

    monkeypatch.setenv("SYMNUM_CACHE_DIR", str(tmp_path))
    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x, 2)(u) + 0.8125 * u**3)],
                          [sn.Dirichlet(u, x, "min", 0), sn.Neumann(u, x, "max", 1), sn.Initial(u, x)],
                          domain={t: (0, 1), x: (0, 1)}, name="stored_programs")
    made = discretize(system, {x: 12}, backend="numpy")
    stored = list((tmp_path / "programs").glob("*.pkl"))
    assert stored, "no program was written to the store"
    for key in [k for k in _problem._PROGRAMS if "stored_programs" in k[0]]:
        del _problem._PROGRAMS[key]
    loaded = discretize(system, {x: 12}, backend="numpy")
    assert sorted((tmp_path / "programs").glob("*.pkl")) == sorted(stored)  # read, not written again
    y = np.random.default_rng(0).uniform(-1, 1, made.shape)
    np.testing.assert_array_equal(loaded.rhs(y, 0.3), made.rhs(y, 0.3))


def test_a_wrong_optimized_program_is_replaced_by_plain_cse():
    """The interior's optimized program is checked against its templates at a random
    point before it is used (and stored on disk for later runs): a rewriter bug gives a
    warning and plain CSE, never a silently wrong kernel."""
    import pytest
    import sympy

    import symnum as sn
    from symnum.rewriting import Program, optimize
    from symnum.solvers._problem import _checked
    from symnum.solvers._stencil import lower_to_stencils

    t, x = sn.variables("t x")
    u = sn.fields("u", t, x)
    system = sn.PDESystem([sn.Eq(sn.D(t)(u), sn.D(x)((1 + u**2) * sn.D(x)(u)) - u**3)],
                          [sn.Dirichlet(u, x, "min", 0), sn.Dirichlet(u, x, "max", 1), sn.Initial(u, x)],
                          domain={t: (0, 1), x: (0, 1)}, name="checked")
    st = lower_to_stencils(system, {x: 17}, order=4)
    exprs = list(st.interior.exprs)
    good = optimize(exprs, invariant=st.invariant)
    assert _checked(good, exprs, st) is good
    (sym, value), *rest = good.temps
    bad = Program(((sym, value * 2), *rest), good.outputs, good.invariant)  # one constant wrong
    with pytest.warns(RuntimeWarning, match="rewriter bug"):
        fixed = _checked(bad, exprs, st)
    point = {s: 0.7 + 0.01 * k for k, s in enumerate(sorted(exprs[0].free_symbols | exprs[0].atoms(sympy.Indexed), key=str))}
    assert abs(float(fixed.to_sympy()[0].xreplace(point)) - float(exprs[0].xreplace(point))) < 1e-9
