"""Mutation testing of the numerical core: Fornberg weights, the Runge-Kutta
tableaus, the stencil lowering and the rewrite rules.

The mutants are mutmut's (its operators: numbers +1, operators swapped, strings
and names changed, ...; `pip install -e '.[mutation]'`). mutmut's own runner
starts a fresh interpreter per mutant (importing sympy, numba and egglog each
time: ~5 s before a test runs); here the heavy imports happen once and each
mutant runs in a forked child that swaps the mutated code into the loaded
module (function code objects replaced in place, so every `from ... import`
elsewhere sees the mutant; module constants rebound everywhere they were
imported) and runs the module's guarding tests with pytest, stopping at the
first failure. A mutant is killed when a test fails, errors, or it exceeds the
time limit. egglog's runtime does not survive fork() (its e-graph runs hang in
the child), so forked children optimize kernels with the classical engine
(the modules mutated here do not depend on which), and the rewrite rules, which
the e-graph tests need, run in a fresh interpreter per mutant.

    python benchmarks/mutation.py                     # all modules, prints scores
    python benchmarks/mutation.py solvers/integrate/_tableaus.py --show   # list survivors
    python benchmarks/mutation.py solvers/_stencil.py --jobs 2            # two mutants at a time
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(var, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")

# module file -> (module name, the tests that guard it, fresh interpreter per mutant)
TARGETS = {
    "solvers/_fornberg.py": ("symnum.solvers._fornberg", ["tests/test_fornberg.py", "tests/test_stencil_lowering.py"], False),
    # the continuous extensions' coefficients are read by the dense-output tests only
    "solvers/integrate/_tableaus.py": ("symnum.solvers.integrate._tableaus", ["tests/test_integrators.py",
                                                                             "tests/test_dense_output.py"], False),
    # the quick, broad files first: pytest -x stops at the first failure
    "solvers/_stencil.py": ("symnum.solvers._stencil", ["tests/test_stencil_lowering.py", "tests/test_stencil_messages.py",
                                                        "tests/test_flux_form.py",
                                                        "tests/test_mol_errors.py", "tests/test_boundary_equations.py",
                                                        "tests/test_integral_terms.py", "tests/test_time_only_fields.py",
                                                        "tests/test_nonuniform_grids.py", "tests/test_mol_upwind.py",
                                                        "tests/test_mol_convergence.py"], False),
    **{
        f"rewriting/rules/{m}.py": (f"symnum.rewriting.rules.{m}", ["tests/test_rewriting_rules.py"], True)
        for m in ("_base", "algebra", "constants", "division", "explog", "powers", "trig")
    },
}
# no plugin discovery through entry points (scanning every installed distribution cost
# each child 0.6 s); the one plugin the guarding tests use is named
os.environ.setdefault("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
PYTEST = ["-x", "-q", "-p", "no:cacheprovider", "-p", "_hypothesis_pytestplugin", "-o", "addopts="]


def mutants(path: Path):
    import mutmut

    source = path.read_text()
    ctx = mutmut.Context(source=source, filename=str(path), dict_synonyms=[])
    for mid in mutmut.list_mutations(ctx):
        mutated, n = mutmut.mutate(mutmut.Context(source=source, mutation_id=mid, filename=str(path), dict_synonyms=[]))
        if n:
            yield mid, mutated


def _swap_code(old, new):
    """Give `old` (function, method, property, cached function) the behaviour of `new`, in place."""
    if isinstance(old, property) and isinstance(new, property):
        for a in ("fget", "fset", "fdel"):
            if getattr(old, a) is not None and getattr(new, a) is not None:
                _swap_code(getattr(old, a), getattr(new, a))
        return True
    wrapped_old, wrapped_new = getattr(old, "__wrapped__", None), getattr(new, "__wrapped__", None)
    if wrapped_old is not None and wrapped_new is not None:
        if hasattr(old, "cache_clear"):
            old.cache_clear()
        return _swap_code(wrapped_old, wrapped_new)
    if isinstance(old, types.FunctionType) and isinstance(new, types.FunctionType):
        if old.__code__.co_freevars != new.__code__.co_freevars:
            return False
        old.__code__, old.__defaults__, old.__kwdefaults__ = new.__code__, new.__defaults__, new.__kwdefaults__
        return True
    return False


def apply(module: types.ModuleType, source: str):
    """Load the mutated source over the live module."""
    ns = {"__name__": module.__name__, "__package__": module.__package__, "__file__": module.__file__}
    exec(compile(source, module.__file__, "exec"), ns)
    loaded = [m for name, m in list(sys.modules.items()) if name.startswith("symnum") and m is not None]
    for name, new in ns.items():
        if name.startswith("__"):
            continue
        old = module.__dict__.get(name, None)
        if old is new:
            continue
        if isinstance(old, type) and isinstance(new, type) and old.__module__ == module.__name__:
            for attr, value in vars(new).items():
                if attr in vars(old) and (not attr.startswith("__") or attr in ("__init__", "__post_init__", "__str__")):
                    if not _swap_code(vars(old)[attr], value):
                        setattr(old, attr, value)
            continue
        if old is not None and _swap_code(old, new):
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            old.clear()
            old.update(new)
            continue
        for m in loaded:  # a constant: rebind it wherever it was imported
            for k, v in list(vars(m).items()):
                if v is old and old is not None:
                    setattr(m, k, new)
        setattr(module, name, new)


class KillersFirst:
    """pytest plugin: the tests that killed earlier mutants run first (most mutants of
    one module die by the same few tests, and each test run may compile the mutant's
    kernels), and the first failing test's id is written to `report` for the parent."""

    def __init__(self, first, report):
        self.first, self.report = {nodeid: k for k, nodeid in enumerate(first)}, report

    def pytest_collection_modifyitems(self, items):
        items.sort(key=lambda item: self.first.get(item.nodeid, len(self.first)))

    def pytest_runtest_logreport(self, report):
        if report.failed and self.report:
            Path(self.report).write_text(report.nodeid)
            self.report = None


def _child(module_name, source, tests, first=(), report=None):
    import functools

    import symnum.solvers._problem as problem
    from symnum.rewriting import optimize

    problem.optimize = functools.partial(optimize, engine="classical")
    apply(importlib.import_module(module_name), source)
    import pytest

    return int(pytest.main([*PYTEST, *tests]))


class Run:
    """One mutant's test run in a child: a forked copy of this process (the heavy
    imports done) or, for `fresh`, a new interpreter. `poll()` gives its status
    once it ended ("killed" / "survived"), "timeout" past its deadline, else None."""

    def __init__(self, module_name, source, tests, timeout, fresh=False, first=()):
        import tempfile

        self.deadline = time.monotonic() + timeout
        self.proc = self.pid = self.path = None
        fd, self.report = tempfile.mkstemp(suffix=".killer")
        os.close(fd)
        if fresh:
            import subprocess

            with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
                f.write(source)
            self.path = f.name
            self.proc = subprocess.Popen([sys.executable, __file__, "--child", module_name, f.name, *tests],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                         start_new_session=True,
                                         env={**os.environ, "MUTATION_FIRST": json.dumps(list(first)),
                                              "MUTATION_REPORT": self.report})
            return
        self.pid = os.fork()
        if self.pid == 0:
            os.setsid()
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            try:
                code = _child(module_name, source, tests, first, self.report)
            except BaseException:  # noqa: BLE001 - a mutant that breaks loading is killed
                code = 99
            os._exit(code)

    def poll(self):
        if self.proc is not None:
            code = self.proc.poll()
        else:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            code = os.waitstatus_to_exitcode(status) if done else None
        if code is not None:
            self._cleanup()
            return "survived" if code == 0 else "killed"
        if time.monotonic() > self.deadline:
            pid = self.proc.pid if self.proc is not None else self.pid
            os.killpg(pid, signal.SIGKILL)
            if self.proc is not None:
                self.proc.wait()
            else:
                os.waitpid(pid, 0)
            self._cleanup()
            return "timeout"
        return None

    def _cleanup(self):
        if self.path is not None:
            os.unlink(self.path)
            self.path = None
        report = Path(self.report)
        self.killer = report.read_text() or None if report.exists() else None
        report.unlink(missing_ok=True)


def run_one(module_name, source, tests, timeout, fresh=False):
    run = Run(module_name, source, tests, timeout, fresh)
    while (status := run.poll()) is None:
        time.sleep(0.02)
    return status


def _fresh_child(module_name, path, tests):
    """In a new interpreter: the mutant is the module, found first on import (so
    objects created at import, like the rules' pattern Dummies, are created once)."""
    import importlib.abc
    import importlib.util

    class Mutant(importlib.abc.MetaPathFinder):
        def find_spec(self, name, search_path, target=None):
            return importlib.util.spec_from_file_location(name, path) if name == module_name else None

    sys.meta_path.insert(0, Mutant())
    importlib.import_module(module_name)
    import pytest

    first, report = json.loads(os.environ.get("MUTATION_FIRST", "[]")), os.environ.get("MUTATION_REPORT")
    return int(pytest.main([*PYTEST, *tests], plugins=[KillersFirst(first, report)]))


def _wilson(k, n, z=1.96):
    """The 95% Wilson score interval of a proportion k / n (a sampled mutation score)."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return centre - half, centre + half


def main():
    if sys.argv[1:2] == ["--child"]:
        module_name, path, *tests = sys.argv[2:]
        os.chdir(ROOT)
        raise SystemExit(_fresh_child(module_name, path, tests))
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="*", default=list(TARGETS))
    ap.add_argument("--show", action="store_true", help="print the diff line of each surviving mutant")
    ap.add_argument("--jobs", type=int, default=1, help="mutants tested at once (one core each)")
    ap.add_argument("--sample", type=int, default=None,
                    help="test a uniform random sample of this many mutants (seeded by --seed): the score "
                         "is then an estimate, printed with its 95%% interval")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--survivors", action="store_true",
                    help="test again only the survivors recorded in --out (after adding guard tests: a "
                         "mutant killed by fewer tests stays killed by more)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "mutation_results.json"))
    args = ap.parse_args()
    os.chdir(ROOT)
    import symnum.codegen  # noqa: F401 - the heavy imports, once
    import symnum.rewriting  # noqa: F401
    import symnum.solvers  # noqa: F401
    import hypothesis  # noqa: F401 - and pytest's, once: every forked child starts with them
    import pytest  # noqa: F401
    results = json.loads(Path(args.out).read_text()) if Path(args.out).exists() else {}
    for rel in args.paths:
        module_name, tests, fresh = TARGETS[rel]
        importlib.import_module(module_name)
        t0 = time.perf_counter()
        if run_one(module_name, Path(rel).read_text(), tests, 600, fresh) != "survived":
            raise SystemExit(f"{rel}: the unmutated module fails its tests {tests}")
        baseline = time.perf_counter() - t0
        counts = {"killed": 0, "survived": 0, "timeout": 0}
        survivors = []
        original = Path(rel).read_text().splitlines()
        todo = list(mutants(ROOT / rel))
        population = len(todo)
        if args.sample is not None and args.sample < population:
            import random

            keep = sorted(random.Random(args.seed).sample(range(population), args.sample))
            todo = [todo[k] for k in keep]
        if args.survivors:
            before = results[rel]
            wanted = {(s["line"], s["mutant"]) for s in before["survivors"]}
            todo = [(mid, src) for mid, src in todo
                    if (mid.line_number + 1, next((b for a, b in zip(original, src.splitlines()) if a != b), "?").strip())
                    in wanted]
            if len(todo) != len(before["survivors"]):
                raise SystemExit(f"{rel}: {len(before['survivors'])} survivors recorded, {len(todo)} found again: "
                                 f"the module changed since; run it whole")
            counts = {k: before[k] for k in counts}
            counts["survived"] = 0
        running = {}  # mutation id -> (Run, mutated source)
        killers = []  # the tests that killed mutants, the latest first
        t_start = time.perf_counter()
        while todo or running:
            while todo and len(running) < args.jobs:
                mid, src = todo.pop(0)
                # a class decorator cannot be swapped into a live class: those run fresh
                running[mid] = Run(module_name, src, tests, 3 * baseline + 10,
                                   fresh or mid.line.strip().startswith("@"), killers[:50]), src
            for mid, (run, src) in list(running.items()):
                status = run.poll()
                if status is None:
                    continue
                del running[mid]
                counts[status] += 1
                if getattr(run, "killer", None):
                    if run.killer in killers:
                        killers.remove(run.killer)
                    killers.insert(0, run.killer)
                if status == "survived":
                    line = next((b for a, b in zip(original, src.splitlines()) if a != b), "?")
                    survivors.append({"line": mid.line_number + 1, "was": mid.line.strip(), "mutant": line.strip()})
                done = sum(counts.values())
                if done % 25 == 0:
                    print(f"{rel}: {done}/{done + len(todo) + len(running)} mutants, {counts}, "
                          f"{time.perf_counter() - t_start:.0f} s", flush=True)
            time.sleep(0.02)
        survivors.sort(key=lambda s: s["line"])
        total = sum(counts.values())
        score = (counts["killed"] + counts["timeout"]) / total if total else 1.0
        if args.survivors and "sample_of" in results[rel]:  # a sampled run's survivors, tested again
            population = results[rel]["sample_of"]
        sampled = total < population
        interval = _wilson(counts["killed"] + counts["timeout"], total) if sampled else None
        print(f"\r{rel}: {total} mutants{f' (a random sample of {population})' if sampled else ''}, {counts}, "
              f"score {100 * score:.1f}%"
              + (f" (95% interval {100 * interval[0]:.1f}-{100 * interval[1]:.1f}%)" if sampled else "")
              + f" (baseline {baseline:.1f} s)")
        if args.show:
            for s in survivors:
                print(f"   survived line {s['line']}: {s['was']}  ->  {s['mutant']}")
        seed = results.get(rel, {}).get("seed", args.seed) if args.survivors else args.seed
        results[rel] = {"mutants": total, **counts, "score": round(score, 4), "survivors": survivors}
        if sampled:
            results[rel].update(sample_of=population, seed=seed, interval=[round(v, 4) for v in interval])
        Path(args.out).write_text(json.dumps(results, indent=1) + "\n")
    killed = sum(r["killed"] + r["timeout"] for r in results.values())
    total = sum(r["mutants"] for r in results.values())
    print(f"all: {killed}/{total} killed, score {100 * killed / max(total, 1):.1f}%")


if __name__ == "__main__":
    main()
