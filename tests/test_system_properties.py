"""Property test: randomly built valid systems construct, print, and round-trip
through `substitute`."""

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

import symnum as sn


@st.composite
def systems(draw):
    t = sn.variables("t")
    space = sn.variables("x y z")[: draw(st.integers(1, 3))]
    names = ["u", "v", "w"][: draw(st.integers(1, 3))]
    flds = [sn.fields(n + ",", t, *space)[0] for n in names]
    params = [sn.parameter(f"k{i}", draw(st.floats(0.1, 10))) for i in range(3)]

    def term():
        f = draw(st.sampled_from(flds))
        kind = draw(st.integers(0, 5))
        coeff = draw(st.sampled_from(params + [sympy.Integer(draw(st.integers(1, 5)))]))
        if kind == 0:
            return coeff * sn.D(draw(st.sampled_from(space)), draw(st.integers(1, 2)))(f)
        if kind == 1:
            return coeff * f * draw(st.sampled_from(flds))
        if kind == 2:
            return coeff * sn.laplacian(f, *space)
        if kind == 3:
            return coeff * sympy.sin(f)
        if kind == 4:
            return coeff * sn.D(space[0])(f**2)
        return coeff * sympy.exp(-draw(st.sampled_from(space)))

    eqs = [sn.Eq(sn.D(t)(f), sympy.Add(*(term() for _ in range(draw(st.integers(1, 4))))))
           for f in flds]
    bcs = []
    for v in space:
        if draw(st.booleans()):
            bcs.append(sn.Periodic(v))
            continue
        for f in flds:
            for side in ("min", "max"):
                kind = draw(st.integers(0, 2))
                value = draw(st.sampled_from([0, params[0] * t, sympy.cos(t)]))
                if kind == 0:
                    bcs.append(sn.Dirichlet(f, v, side, value))
                elif kind == 1:
                    bcs.append(sn.Neumann(f, v, side, value))
                else:
                    bcs.append(sn.Robin(f, v, side, params[1], 1, value))
    bcs += [sn.Initial(f, sympy.Add(*space) * params[2]) for f in flds]
    domain = {t: (0, 1), **{v: (0, draw(st.floats(0.5, 4))) for v in space}}
    return sn.PDESystem(eqs, draw(st.permutations(bcs)), domain=domain, name="random")


def _numeric(expr, values):
    """expr with every derivative, field and variable replaced by a number fixed by
    its name, parameters by `values` (derivatives first: they contain the fields)."""
    for kind in (sympy.Derivative, sympy.core.function.AppliedUndef, sympy.Symbol):
        expr = expr.xreplace({a: values.get(str(a), sympy.Float(sum(map(ord, str(a))) % 97 / 31 + 0.25))
                              for a in expr.atoms(kind)})
    return complex(expr.evalf())


@given(systems())
def test_random_systems_print_and_round_trip_through_substitute(sys):
    assert sys.fields and sys.time is not None
    assert set(sys.rhs) == set(sys.fields)
    text, latex = str(sys), sys.latex()
    lines = text.splitlines()
    assert lines[0] == "PDESystem 'random'"
    eq_lines = lines[lines.index("  equations:") + 1: lines.index("  equations:") + 1 + len(sys.fields)]
    assert [ln.split(" = ")[0].strip() for ln in eq_lines] == [f"{f.func}_t" for f in sys.fields]
    for p, value in sys.parameters.items():
        assert f"{p} = {value:g}" in text
    assert latex.startswith("\\begin{aligned}") and latex.count("&=") == len(sys.fields)
    fresh = {p: sn.parameter(p.name + "_new", 1.0) for p in sys.parameters}
    back = {q: p for p, q in fresh.items()}
    assert sys.substitute(fresh).substitute(back) == sys
    baked = sys.substitute(sys.parameters)
    assert baked.parameters == {}
    for f in sys.fields:
        # the same numbers, by an independent route: numbers for everything at once
        values = {str(p): sympy.Float(v) for p, v in sys.parameters.items()}
        assert _numeric(baked.rhs[f], values) == pytest.approx(_numeric(sys.rhs[f], values), rel=1e-12)
