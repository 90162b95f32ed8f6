"""Geometry for the collocation trainers (PINN): domains beyond rectangles.

A geometry is a closed region of R^d given by a signed distance function (negative
inside, zero on the boundary; for the combinations, a function with the same sign and
zero set, which is all that sampling and selection need). Primitives sample their
interior and boundary exactly (uniform by volume and by boundary measure, with outward
normals); combinations (`a | b`, `a & b`, `a - b`) sample each primitive's boundary,
keep the points that lie on the combined boundary, and orient the normals out of the
combined region; their interior is sampled by rejection in the bounding box.

A geometry knows no variables: the system maps its coordinates to variables,
`domain={t: (0, 1), (x, y): sn.Disk((0, 0), 1)}`. Finite differences take rectangles
only (a `Rectangle` or `Box` in the domain is the same as its intervals).
"""

from __future__ import annotations

import math

import numpy as np

from ._errors import ModelError

__all__ = ["Geometry", "Interval", "Rectangle", "Box", "Disk", "Ball", "Polygon", "Segment"]


def _points(p, dim, where):
    p = np.asarray(p, dtype=float)
    if p.ndim == 1 and dim == 1:
        p = p[:, None]
    if p.ndim != 2 or p.shape[1] != dim:
        raise ModelError(f"{where}: points must be an array of shape (n, {dim}), got shape {p.shape}")
    return p


class Geometry:
    """A closed region of R^dim. Subclasses give `sdf`, `bbox`, and the samplers."""

    dim: int

    # -- what every geometry answers --------------------------------------------------

    def __eq__(self, other) -> bool:  # by value: a system rebuilt or unpickled equals itself
        return type(self) is type(other) and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))

    def sdf(self, p) -> np.ndarray:
        """Signed distance (or a function with its sign and zero set) at rows of p."""
        raise NotImplementedError

    @property
    def bbox(self) -> tuple:
        """(lo, hi): arrays of length dim."""
        raise NotImplementedError

    @property
    def diameter(self) -> float:
        lo, hi = self.bbox
        return float(np.linalg.norm(np.asarray(hi) - np.asarray(lo)))

    @property
    def tolerance(self) -> float:
        """How far from the zero set a point still counts as on the boundary."""
        return 1e-9 * max(self.diameter, 1.0)

    def inside(self, p) -> np.ndarray:
        """Whether each row of p is in the closed region."""
        return self.sdf(_points(p, self.dim, "inside")) <= self.tolerance

    def on_boundary(self, p) -> np.ndarray:
        """Whether each row of p lies on the boundary (the zero set, to round-off)."""
        return np.abs(self.sdf(_points(p, self.dim, "on_boundary"))) <= 1e3 * self.tolerance

    def exit_distance(self, p, d, xp=np):
        """How far each row of p travels along the unit direction d (rows) to leave the
        region (a fractional Laplacian's rays; `xp` the array module, numpy or jax.numpy)."""
        raise ModelError(
            f"{self!r}: the distance to its boundary along a ray is known for a Ball/Disk and a Box/"
            f"Rectangle/Interval only (a fractional Laplacian on this domain is not supported)"
        )

    def sample_interior(self, n: int, rng) -> np.ndarray:
        """n points, uniform over the region (rejection in the bounding box)."""
        lo, hi = (np.asarray(b, dtype=float) for b in self.bbox)
        out, got = [], 0
        for _ in range(1000):
            m = max(64, 2 * (n - got))
            cand = lo + rng.random((m, self.dim)) * (hi - lo)
            cand = cand[self.sdf(cand) < 0]
            out.append(cand)
            got += len(cand)
            if got >= n:
                return np.concatenate(out)[:n]
        raise ModelError(f"{self}: no interior found by sampling its bounding box: is the region empty?")

    def sample_boundary(self, n: int, rng, on=None) -> tuple:
        """(points, outward normals) of n points uniform over the boundary (by measure);
        `on` (a mask function of points) keeps a part of it."""
        pts, nrm, got = [], [], 0
        for _ in range(1000):
            m = max(64, 2 * (n - got))
            p, q = self._boundary_candidates(m, rng)
            keep = self.on_boundary(p)
            if on is not None:
                keep &= on(p)
            p, q = p[keep], q[keep]
            pts.append(p)
            nrm.append(self._outward(p, q))
            got += len(p)
            if got >= n:  # the pieces come in order: a random n of them
                take = rng.permutation(got)[:n]
                return np.concatenate(pts)[take], np.concatenate(nrm)[take]
        raise ModelError(f"{self}: the selected part of its boundary is empty (or of measure zero)")

    # -- what combinations use ------------------------------------------------------------

    def _boundary_candidates(self, n, rng) -> tuple:
        """Points on this geometry's own boundary pieces, with those pieces' normals."""
        raise NotImplementedError

    def _outward(self, p, normals):
        """The pieces' normals, flipped where they point into the region."""
        if len(p) == 0:
            return normals
        eps = 1e-6 * max(self.diameter, 1e-12)
        flip = self.sdf(p + eps * normals) < self.sdf(p - eps * normals)
        return np.where(flip[:, None], -normals, normals)

    @property
    def measure(self) -> float:
        """The boundary's measure (perimeter, area): sampling weights of the pieces."""
        raise NotImplementedError

    # -- combinations --------------------------------------------------------------------

    def _check_other(self, other, op):
        if not isinstance(other, Geometry):
            raise ModelError(f"{self} {op} {other!r}: combine geometries with geometries")
        if other.dim != self.dim:
            raise ModelError(f"{self} {op} {other}: dimensions {self.dim} and {other.dim} differ")

    def __or__(self, other):
        self._check_other(other, "|")
        return _Combined("union", self, other)

    def __and__(self, other):
        self._check_other(other, "&")
        return _Combined("intersection", self, other)

    def __sub__(self, other):
        self._check_other(other, "-")
        return _Combined("difference", self, other)

    union = __or__
    intersection = __and__
    difference = __sub__


class Box(Geometry):
    """The axis-aligned box [lo_0, hi_0] x ... (any dimension).

    >>> Box((0, 0, 0), (1, 2, 3)).dim
    3
    """

    def __init__(self, lo, hi):
        lo, hi = np.atleast_1d(np.asarray(lo, dtype=float)), np.atleast_1d(np.asarray(hi, dtype=float))
        if lo.shape != hi.shape or lo.ndim != 1 or not np.all(lo < hi) or not np.all(np.isfinite(hi - lo)):
            raise ModelError(f"{type(self).__name__}(lo={lo.tolist()}, hi={hi.tolist()}): give finite corners "
                             f"of the same length with lo < hi in every coordinate")
        self.lo, self.hi, self.dim = lo, hi, len(lo)

    def __repr__(self):
        return f"{type(self).__name__}({self.lo.tolist()}, {self.hi.tolist()})"

    @property
    def bbox(self):
        return self.lo, self.hi

    def sdf(self, p):
        c, h = (self.lo + self.hi) / 2, (self.hi - self.lo) / 2
        q = np.abs(p - c) - h
        return np.linalg.norm(np.maximum(q, 0.0), axis=1) + np.minimum(q.max(axis=1), 0.0)

    def sample_interior(self, n, rng):
        return self.lo + rng.random((n, self.dim)) * (self.hi - self.lo)

    def exit_distance(self, p, d, xp=np):
        # per axis, the face the ray meets (d = 0: never)
        safe = xp.where(d == 0, 1.0, d)
        to = xp.where(d > 0, (self.hi - p) / safe, (self.lo - p) / safe)
        return xp.min(xp.where(d == 0, xp.inf, to), axis=1)

    def _faces(self):
        size = self.hi - self.lo
        return [(a, s, float(np.prod(np.delete(size, a))) if self.dim > 1 else 1.0)
                for a in range(self.dim) for s in (0, 1)]

    @property
    def measure(self):
        return sum(w for _, _, w in self._faces())

    def _boundary_candidates(self, n, rng):
        faces = self._faces()
        w = np.array([f[2] for f in faces])
        which = rng.choice(len(faces), size=n, p=w / w.sum())
        p = self.lo + rng.random((n, self.dim)) * (self.hi - self.lo)
        q = np.zeros((n, self.dim))
        for i, (a, s, _) in enumerate(faces):
            rows = which == i
            p[rows, a] = self.hi[a] if s else self.lo[a]
            q[rows, a] = 1.0 if s else -1.0
        return p, q


class Rectangle(Box):
    """The rectangle [x0, x1] x [y0, y1], from its corners (x0, y0) and (x1, y1).

    >>> Rectangle((0, 0), (2, 1)).measure
    6.0
    """

    def __init__(self, lo, hi):
        super().__init__(lo, hi)
        if self.dim != 2:
            raise ModelError(f"Rectangle({lo}, {hi}): give two 2-D corners (or use sn.Box in {self.dim}-D)")


class Interval(Box):
    """The interval [a, b].

    >>> Interval(0, 1).sdf([[0.25]])
    array([-0.25])
    """

    def __init__(self, a, b):
        super().__init__([a], [b])

    def __repr__(self):
        return f"Interval({self.lo[0]:g}, {self.hi[0]:g})"


class Ball(Geometry):
    """The closed ball of `radius` around `center` (any dimension).

    >>> Ball((0, 0, 0), 1).dim
    3
    """

    def __init__(self, center, radius):
        self.center = np.atleast_1d(np.asarray(center, dtype=float))
        if self.center.ndim != 1 or not np.all(np.isfinite(self.center)):
            raise ModelError(f"{type(self).__name__}(center={center!r}): give the center's coordinates")
        if not (np.isfinite(radius) and radius > 0):
            raise ModelError(f"{type(self).__name__}(radius={radius!r}): the radius must be a positive number")
        self.radius, self.dim = float(radius), len(self.center)

    def __repr__(self):
        return f"{type(self).__name__}({self.center.tolist()}, {self.radius:g})"

    @property
    def bbox(self):
        return self.center - self.radius, self.center + self.radius

    def sdf(self, p):
        return np.linalg.norm(p - self.center, axis=1) - self.radius

    def _directions(self, n, rng):
        g = rng.standard_normal((n, self.dim))
        return g / np.linalg.norm(g, axis=1, keepdims=True)

    def exit_distance(self, p, d, xp=np):
        # |q + s d| = R with q = p - center: s = -q.d + sqrt((q.d)^2 - |q|^2 + R^2)
        q = p - self.center
        b = xp.sum(q * d, axis=1)
        return -b + xp.sqrt(xp.maximum(b**2 - xp.sum(q * q, axis=1) + self.radius**2, 0.0))

    def sample_interior(self, n, rng):
        r = self.radius * rng.random(n) ** (1.0 / self.dim)
        return self.center + r[:, None] * self._directions(n, rng)

    @property
    def measure(self):
        d = self.dim
        return 2 * math.pi ** (d / 2) / math.gamma(d / 2) * self.radius ** (d - 1)

    def _boundary_candidates(self, n, rng):
        q = self._directions(n, rng)
        return self.center + self.radius * q, q


class Disk(Ball):
    """The closed disk of `radius` around `center` = (x0, y0).

    >>> round(Disk((0, 0), 1).measure, 6)
    6.283185
    """

    def __init__(self, center, radius):
        super().__init__(center, radius)
        if self.dim != 2:
            raise ModelError(f"Disk(center={center!r}): give a 2-D center (or use sn.Ball in {self.dim}-D)")


class Polygon(Geometry):
    """A simple polygon (2-D) from its vertices in order (either orientation).

    >>> Polygon([(0, 0), (1, 0), (0, 1)]).measure > 3.41
    True
    """

    def __init__(self, vertices):
        v = np.asarray(vertices, dtype=float)
        if v.ndim != 2 or v.shape[1] != 2 or len(v) < 3 or not np.all(np.isfinite(v)):
            raise ModelError(f"Polygon({vertices!r}): give at least three 2-D vertices, in order")
        area2 = np.sum(v[:, 0] * np.roll(v[:, 1], -1) - np.roll(v[:, 0], -1) * v[:, 1])
        if abs(area2) < 1e-14 * np.ptp(v) ** 2:
            raise ModelError(f"Polygon({vertices!r}): the vertices enclose no area")
        self.vertices = v if area2 > 0 else v[::-1]  # counter-clockwise: outward normal = (dy, -dx)
        self.dim = 2

    def __repr__(self):
        return f"Polygon({self.vertices.tolist()})"

    @property
    def bbox(self):
        return self.vertices.min(axis=0), self.vertices.max(axis=0)

    def edge(self, i: int) -> "Segment":
        """The i-th edge (from vertex i to i + 1, counter-clockwise), to select that part
        of the boundary for a condition."""
        n = len(self.vertices)
        return Segment(self.vertices[i % n], self.vertices[(i + 1) % n])

    def _edges(self):
        a = self.vertices
        return a, np.roll(a, -1, axis=0)

    def sdf(self, p):
        a, b = self._edges()
        d = np.full(len(p), np.inf)
        inside = np.zeros(len(p), dtype=bool)
        for (ax, ay), (bx, by) in zip(a, b):
            ex, ey = bx - ax, by - ay
            wx, wy = p[:, 0] - ax, p[:, 1] - ay
            s = np.clip((wx * ex + wy * ey) / (ex * ex + ey * ey), 0.0, 1.0)
            d = np.minimum(d, np.hypot(wx - s * ex, wy - s * ey))
            # crossing number: edges straddling the horizontal line through p
            up = (ay <= p[:, 1]) != (by <= p[:, 1])
            with np.errstate(divide="ignore", invalid="ignore"):
                xc = ax + (p[:, 1] - ay) * ex / ey
            inside ^= up & (p[:, 0] < xc)
        return np.where(inside, -d, d)

    @property
    def measure(self):
        a, b = self._edges()
        return float(np.linalg.norm(b - a, axis=1).sum())

    def _boundary_candidates(self, n, rng):
        a, b = self._edges()
        length = np.linalg.norm(b - a, axis=1)
        which = rng.choice(len(a), size=n, p=length / length.sum())
        s = rng.random(n)[:, None]
        p = a[which] + s * (b[which] - a[which])
        e = (b - a)[which] / length[which, None]
        return p, np.stack([e[:, 1], -e[:, 0]], axis=1)


class Segment(Geometry):
    """A line segment (2-D): no interior; selects a part of a boundary for a condition
    (`sn.Dirichlet(u, polygon.edge(2), 0)`), as every geometry can."""

    def __init__(self, a, b):
        self.a, self.b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        if self.a.shape != (2,) or self.b.shape != (2,) or np.allclose(self.a, self.b):
            raise ModelError(f"Segment({a!r}, {b!r}): give two different 2-D points")
        self.dim = 2

    def __repr__(self):
        return f"Segment({self.a.tolist()}, {self.b.tolist()})"

    @property
    def bbox(self):
        return np.minimum(self.a, self.b), np.maximum(self.a, self.b)

    def sdf(self, p):
        e = self.b - self.a
        w = p - self.a
        s = np.clip(w @ e / (e @ e), 0.0, 1.0)
        return np.linalg.norm(w - s[:, None] * e, axis=1)

    @property
    def tolerance(self):
        return 1e-9 * max(float(np.linalg.norm(self.b - self.a)), 1.0)


class _Combined(Geometry):
    """Union, intersection or difference of two geometries (`a | b`, `a & b`, `a - b`)."""

    _OPS = {"union": "|", "intersection": "&", "difference": "-"}

    def __init__(self, op, a, b):
        self.op, self.a, self.b, self.dim = op, a, b, a.dim

    def __repr__(self):
        return f"({self.a!r} {self._OPS[self.op]} {self.b!r})"

    @property
    def bbox(self):
        (alo, ahi), (blo, bhi) = self.a.bbox, self.b.bbox
        if self.op == "union":
            return np.minimum(alo, blo), np.maximum(ahi, bhi)
        if self.op == "intersection":
            return np.maximum(alo, blo), np.minimum(ahi, bhi)
        return alo, ahi

    def sdf(self, p):
        da, db = self.a.sdf(p), self.b.sdf(p)
        if self.op == "union":
            return np.minimum(da, db)
        if self.op == "intersection":
            return np.maximum(da, db)
        return np.maximum(da, -db)

    @property
    def measure(self):
        return self.a.measure + self.b.measure

    def _boundary_candidates(self, n, rng):
        wa, wb = self.a.measure, self.b.measure
        na = int(rng.binomial(n, wa / (wa + wb)))
        pa, qa = self.a._boundary_candidates(na, rng)
        pb, qb = self.b._boundary_candidates(n - na, rng)
        # where the two boundaries coincide (two boxes sharing an edge) a's points cover it:
        # b's there would double the density
        alone = ~self.a.on_boundary(pb)
        return np.concatenate([pa, pb[alone]]), np.concatenate([qa, qb[alone]])
