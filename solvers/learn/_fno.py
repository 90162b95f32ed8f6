"""Fourier neural operator (Li et al., ICLR 2021) in JAX, trained on datasets
from `generate_dataset`, with an optional physics-informed loss (PINO, Li et
al. 2021) from the system's generated residual.

The network is a pytree of arrays: a pointwise lift of the inputs (fields at
the first saved time, varied parameters as constant channels, the grid
coordinates) to `width` channels; `layers` Fourier layers
h <- act(K h + W h + b), where K multiplies the lowest `modes` Fourier modes
(per axis) by learned complex matrices; a pointwise projection through
`projection` channels. As the paper's code: spectral weights uniform in
[0, 1/(width^2)) (real and imaginary parts), linear layers PyTorch's
uniform(+-1/sqrt(fan_in)), no activation after the last Fourier layer, the
relative L2 loss, Adam with L2 weight decay and a step decay of the rate.

Physics: with `trajectory=True` the operator predicts the fields at every saved
time after the first; `fit(..., physics=w)` adds w * mean(residual^2) of the
system's equations on the (time x space) grid of the prediction, with the
input as the first time level: time derivatives by finite differences along
the saved times (Fornberg, accuracy 4), spatial ones spectral along periodic
axes and by the project's finite differences (accuracy 4) otherwise; the mean
is over the predicted times (the input's level is data). The
residual is the generated one the PINN and the GP evaluate.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field

import functools

import numpy as np

from symnum._errors import ModelError, SolverError
from symnum._expressions import is_field

from .._fornberg import fornberg_weights
from ._generated import generated_residual, require_jax

__all__ = ["FNO", "FNOResult"]


def _jax():
    return require_jax("The FNO trainer")


def _name(target) -> str:
    if isinstance(target, str):
        return target
    return str(target.func) if is_field(target) else str(target)


class FNO:
    """A Fourier neural operator from `in_fields` (fields at the first saved
    time, or varied parameters) to `out_fields` (at the last saved time, or at
    every later saved time with `trajectory=True`), on the grid of the dataset
    it is fitted to (1D or 2D).

    >>> fno = solvers.FNO([u, nu], [u], modes=16, width=64)      # doctest: +SKIP
    >>> res = fno.fit(train_ds, epochs=40, test=test_ds)      # doctest: +SKIP
    """

    def __init__(self, in_fields, out_fields, modes=16, width: int = 64, layers: int = 4, projection: int = 128,
                 seed: int = 0, trajectory: bool = False, system=None, dtype: str = "float32"):
        self.in_names = [_name(f) for f in _as_list(in_fields, "in_fields")]
        self.out_names = [_name(f) for f in _as_list(out_fields, "out_fields")]
        for name, v in (("width", width), ("layers", layers), ("projection", projection)):
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ModelError(f"FNO({name}={v!r}): give a positive integer")
        self.modes = modes
        self.width, self.layers, self.projection = int(width), int(layers), int(projection)
        self.seed, self.trajectory, self.system = int(seed), bool(trajectory), system
        if dtype not in ("float32", "float64"):
            raise ModelError(f"FNO(dtype={dtype!r}): use 'float32' or 'float64'")
        self.dtype = dtype
        if dtype == "float64":
            _jax().config.update("jax_enable_x64", True)

    # -- data ----------------------------------------------------------------------

    def arrays(self, ds) -> tuple[np.ndarray, np.ndarray | None]:
        """(inputs `(N, *space, channels)`, targets `(N, *space, channels)` or None)
        from a dataset of `generate_dataset`'s layout."""
        time, space = self._dims(ds)
        n = ds.sizes["sample"]
        shape = tuple(ds.sizes[s] for s in space)
        chans = []
        for name in self.in_names:
            if name not in ds:
                raise ModelError(f"FNO input {name!r} is not in the dataset; it has {list(ds.data_vars)}")
            v = ds[name]
            if "sample" in v.dims and len(v.dims) == 1:  # a varied parameter: a constant channel
                chans.append(np.broadcast_to(v.values.reshape(n, *[1] * len(space)), (n, *shape)))
            else:
                chans.append(v.isel({time: 0}).transpose("sample", *space).values)
        mesh = np.meshgrid(*(ds[s].values for s in space), indexing="ij")
        chans += [np.broadcast_to(m, (n, *m.shape)) for m in mesh]
        X = np.stack(chans, axis=-1)
        if not all(name in ds for name in self.out_names):
            return X, None
        outs = []
        for name in self.out_names:
            v = ds[name].transpose("sample", time, *space).values
            outs.append(v[:, 1:] if self.trajectory else v[:, -1:])
        Y = np.concatenate(outs, axis=1)  # (N, channels, *space)
        return X, np.moveaxis(Y, 1, -1)

    def _dims(self, ds) -> tuple[str, list]:
        """(time dim, space dims) of the dataset's fields: (sample, time, *space)."""
        names = [n for n in self.out_names + self.in_names if n in ds and ds[n].ndim >= 3]
        if not names:
            raise ModelError(f"the dataset has none of the fields {self.out_names + self.in_names} over "
                             f"(sample, time, *space)")
        _, time, *space = ds[names[0]].dims
        if len(space) not in (1, 2):
            raise ModelError(f"FNO works on 1D and 2D grids; the dataset's fields have space dims {space}")
        return time, space

    # -- network -------------------------------------------------------------------

    def init(self, in_channels: int, out_channels: int, shape: tuple):
        """Initial parameters (a pytree) for inputs with `in_channels` channels."""
        jax = _jax()
        modes = self._modes(shape)
        dt = self.dtype
        rng = np.random.default_rng(self.seed)

        def linear(fan_in, fan_out):
            b = 1 / np.sqrt(fan_in)
            return {"w": rng.uniform(-b, b, (fan_in, fan_out)).astype(dt), "b": rng.uniform(-b, b, fan_out).astype(dt)}

        blocks = 2 ** (len(shape) - 1)  # the corners of the kept modes: +-k along all axes but the last
        scale = 1 / (self.width * self.width)
        layers = []
        for _ in range(self.layers):
            spec_shape = (blocks, *modes, self.width, self.width)
            layers.append({"re": (scale * rng.random(spec_shape)).astype(dt),
                           "im": (scale * rng.random(spec_shape)).astype(dt),
                           **linear(self.width, self.width)})
        params = {"lift": linear(in_channels, self.width), "layers": layers,
                  "proj1": linear(self.width, self.projection), "proj2": linear(self.projection, out_channels)}
        return jax.tree_util.tree_map(jax.numpy.asarray, params)

    def _modes(self, shape) -> tuple:
        modes = (self.modes,) * len(shape) if np.ndim(self.modes) == 0 else tuple(self.modes)
        if len(modes) != len(shape):
            raise ModelError(f"FNO(modes={self.modes!r}): give one number or one per axis ({len(shape)} axes)")
        for m, n in zip(modes, shape):
            if not 1 <= m <= n // 2:
                raise ModelError(f"FNO(modes={self.modes!r}): at most n/2 = {n // 2} modes on an axis of {n} nodes")
        return tuple(int(m) for m in modes)

    def apply(self, params, X):
        """The operator on a batch X `(B, *space, channels)` -> `(B, *space, out channels)`."""
        jax = _jax()
        jnp = jax.numpy
        act = jax.nn.gelu
        h = X @ params["lift"]["w"] + params["lift"]["b"]
        last = len(params["layers"]) - 1
        for i, layer in enumerate(params["layers"]):
            h2 = _spectral(jnp, h, layer["re"], layer["im"]) + h @ layer["w"] + layer["b"]
            h = act(h2) if i < last else h2
        h = act(h @ params["proj1"]["w"] + params["proj1"]["b"])
        return h @ params["proj2"]["w"] + params["proj2"]["b"]

    # -- training ------------------------------------------------------------------

    def fit(self, data, epochs: int = 40, batch: int = 20, lr: float = 1e-3, weight_decay: float = 1e-4,
            schedule: tuple = (100, 0.5), test=None, physics: float = 0.0, physics_inputs=None,
            progress: bool = False, params=None, buffer: int = 1000) -> "FNOResult":
        """Train on `data` (a Dataset of `generate_dataset`, or a generator of
        such Datasets, e.g. `stream_dataset`: online training, where an epoch is
        one pass over a first-in first-out buffer of the last `buffer` samples
        streamed, one epoch per streamed Dataset);
        `schedule` = (epochs, factor): the rate is multiplied by factor every
        that many epochs. `test`: a Dataset scored (relative L2) after every
        epoch (or every streamed batch). `physics`: the weight of the PDE
        residual loss (needs `trajectory=True` and `system`);
        `physics_inputs`: a Dataset of extra inputs (no targets needed) the
        residual is also evaluated on."""
        jax = _jax()
        import optax

        if not (isinstance(epochs, (int, np.integer)) and epochs >= 1):
            raise ModelError(f"fit(epochs={epochs!r}): give a positive integer")
        if not (isinstance(batch, (int, np.integer)) and batch >= 1):
            raise ModelError(f"fit(batch={batch!r}): give a positive integer")
        streamed = not hasattr(data, "data_vars")
        first = next(data) if streamed else data
        X, Y = self.arrays(first)
        if Y is None:
            raise ModelError(f"the training data has no {self.out_names}: give a dataset with the output fields")
        shape = X.shape[1:-1]
        params = params if params is not None else self.init(X.shape[-1], Y.shape[-1], shape)
        Xt, Yt = self.arrays(test) if test is not None else (None, None)
        residual = self._physics(first, shape) if physics else None
        every, factor = _schedule(schedule)

        def adam(learning_rate):  # Adam with L2 weight decay (PyTorch's Adam(weight_decay=...))
            return optax.chain(optax.add_decayed_weights(weight_decay), optax.scale_by_adam(),
                               optax.scale_by_learning_rate(learning_rate))

        # the rate is set per epoch (an epoch of a stream is one pass over a growing buffer)
        opt = optax.inject_hyperparams(adam)(learning_rate=lr)
        state = opt.init(params)
        dt = self.dtype
        jnp = jax.numpy

        def loss_fn(p, x, y, xp):
            # the data batch and the physics inputs' batch through the network at once
            xs = x if xp is None else jnp.concatenate([x, xp])
            pred = self.apply(p, xs)
            loss = jnp.mean(_relative_errors(jnp, pred[:x.shape[0]], y))
            if residual is not None:
                loss = loss + physics * residual(pred, xs)
            return loss

        def step(p, s, x, y, xp):
            loss, g = jax.value_and_grad(loss_fn)(p, x, y, xp)
            upd, s = opt.update(g, s, p)
            return optax.apply_updates(p, upd), s, loss

        @jax.jit
        def steps(p, s, Xb, Yb, Xq):
            """Batches (n, batch, ...) in one compiled scan (no dispatch per step)."""
            def body(carry, rows):
                p, s, loss = step(*carry, *rows)
                return (p, s), loss
            (p, s), losses = jax.lax.scan(body, (p, s), (Xb, Yb, Xq))
            return p, s, losses

        predict = jax.jit(self.apply)
        # extra inputs only serve the residual
        Xp = jnp.asarray(self.arrays(physics_inputs)[0], dt) if residual is not None and physics_inputs is not None else None
        history, seen = [], 0
        rng = np.random.default_rng(self.seed)
        start = _time.perf_counter()
        group = max(X.shape[0] // batch, 1)  # batches per compiled call: the same shapes every epoch
        sources = _stream(first, data) if streamed else (first for _ in range(epochs))
        for epoch, ds in enumerate(sources):
            if streamed and epoch >= epochs:
                break
            if ds is not first:
                Xn, Yn = self.arrays(ds)
                X, Y = np.concatenate([X, Xn])[-buffer:], np.concatenate([Y, Yn])[-buffer:]
            seen += ds.sizes["sample"] if streamed else X.shape[0]
            Xd, Yd = jnp.asarray(X, dt), jnp.asarray(Y, dt)
            state.hyperparams["learning_rate"] = jnp.asarray(lr * factor ** (epoch // every), dt)
            t0 = _time.perf_counter()
            perm = rng.permutation(X.shape[0])
            full = len(perm) // batch * batch
            losses = []
            # the full batches in groups of `group`, then what is left as one batch
            chunks = [perm[lo:lo + group * batch].reshape(-1, batch) for lo in range(0, full, group * batch)]
            chunks += [perm[full:][None]] if full < len(perm) else []
            for idx in chunks:
                # the physics inputs: a random batch of them beside every data batch
                xq = None if Xp is None else Xp[rng.integers(0, Xp.shape[0], idx.shape)]
                params, state, ls = steps(params, state, Xd[idx], Yd[idx], xq)
                losses += list(np.asarray(ls))
            train = float(np.mean(losses))
            if not np.isfinite(train):
                raise SolverError(f"FNO training diverged at epoch {epoch} (loss {train}): lower lr={lr}")
            row = {"epoch": epoch, "loss": train, "seconds": _time.perf_counter() - t0, "samples_seen": seen}
            if Xt is not None:
                row["test"] = self.score(params, Xt, Yt, predict)
            history.append(row)
            if progress:
                print(" ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()))
        timings = {"fit": _time.perf_counter() - start,
                   "epoch": float(np.median([r["seconds"] for r in history[1:]] or [history[0]["seconds"]]))}
        return FNOResult(self, params, history, timings)

    def score(self, params, X, Y, predict=None, chunk: int = 100) -> float:
        """The mean relative L2 error of the prediction on (X, Y)."""
        jnp = _jax().numpy
        predict = predict or _jax().jit(self.apply)
        errs = []
        for lo in range(0, X.shape[0], chunk):
            pred = np.asarray(predict(params, jnp.asarray(X[lo:lo + chunk], self.dtype)), dtype=float)
            errs.append(_relative_errors(np, pred, Y[lo:lo + chunk]))
        return float(np.concatenate(errs).mean())

    # -- physics -------------------------------------------------------------------

    def _physics(self, ds, shape):
        """residual(pred, x) -> mean squared residual of the system on the predicted
        trajectories (first time level: the input)."""
        jax = _jax()
        jnp = jax.numpy
        system = self.system
        if system is None or not self.trajectory:
            raise ModelError("fit(physics=...) needs FNO(..., trajectory=True, system=the PDESystem): "
                             "the residual is evaluated on the predicted trajectory")
        fields = [_name(f) for f in system.fields]
        if sorted(self.out_names) != sorted(fields) or any(f not in self.in_names for f in fields):
            raise ModelError(f"fit(physics=...): the residual needs every field of {system.name!r} ({fields}) "
                             f"as input (its initial state) and output; got in {self.in_names}, out {self.out_names}")
        time, space = self._dims(ds)
        times = ds[time].values
        inputs = [system.time, *system.space]
        if [str(v) for v in system.space] != space:
            raise ModelError(f"the dataset's space dims {space} are not the system's {[str(v) for v in system.space]}")
        periodic = [v in system.periodic for v in system.space]
        coords = [times] + [ds[s].values for s in space]
        varied = [p for p in system.parameters if str(p) in self.in_names]
        fixed = {p: v for p, v in system.parameters.items() if p not in varied}
        gen = generated_residual(system, inputs, [*fixed, *varied], f"fno_residual_{system.name}")
        dt = self.dtype
        mats = {}

        def matrix(axis, m):
            if (axis, m) not in mats:
                per = axis > 0 and periodic[axis - 1]
                mats[axis, m] = jnp.asarray(_diff_matrix(coords[axis], m, per), dt)
            return mats[axis, m]

        grids = [jnp.asarray(g, dt) for g in np.meshgrid(*coords, indexing="ij")]
        nf, nt = len(fields), len(times)
        out_index = [self.out_names.index(f) for f in fields]
        in_index = [self.in_names.index(f) for f in fields]
        p_index = [self.in_names.index(str(p)) for p in varied]
        fixed_vals = [float(v) for v in fixed.values()]

        def residual(pred, x):
            # pred (B, *space, nf * (nt - 1)) -> per field (B, nt, *space) with the input first
            B = pred.shape[0]
            traj = []
            for k in range(nf):
                later = pred[..., out_index[k] * (nt - 1):(out_index[k] + 1) * (nt - 1)]
                later = jnp.moveaxis(later, -1, 1)
                traj.append(jnp.concatenate([x[:, None, ..., in_index[k]], later], axis=1))
            leaves = []
            for k, dirs in gen.keys:
                v = traj[k]
                for axis in sorted(set(dirs)):
                    D = matrix(axis, dirs.count(axis))
                    v = jnp.moveaxis(jnp.tensordot(v, D, axes=([axis + 1], [1])), -1, axis + 1)
                leaves.append(v)
            pv = fixed_vals + [x[(slice(None),) + (0,) * len(shape) + (j,)].reshape(B, *[1] * (1 + len(shape)))
                               for j in p_index]
            res = gen.fn(leaves + grids, pv)
            # at the predicted times only: the input's level is data, and there the time
            # differences cannot resolve the fast start of a rough initial field (measured on
            # Burgers: a residual of 1e-1 at t0 from the exact solution, 3e-4 at t1, 1e-5 after)
            return sum(jnp.mean(jnp.broadcast_to(r, traj[0].shape)[:, 1:] ** 2) for r in res) / len(res)

        return residual


def _diff_matrix(x: np.ndarray, m: int, periodic: bool) -> np.ndarray:
    """The n x n matrix of the m-th derivative on the uniform nodes x: spectral
    (Fourier) when periodic, else finite differences of accuracy 4 (Fornberg;
    shifted one-sided stencils near the ends)."""
    n = len(x)
    h = x[1] - x[0]
    if not np.allclose(np.diff(x), h, rtol=1e-8):
        raise ModelError("the physics loss needs uniformly spaced saved times and nodes")
    if periodic:
        k = 2j * np.pi * np.fft.fftfreq(n, d=h)
        if m % 2 == 1 and n % 2 == 0:
            k[n // 2] = 0.0  # the Nyquist mode has no odd derivative
        return np.real(np.fft.ifft((k**m)[:, None] * np.fft.fft(np.eye(n), axis=0), axis=0))
    acc = min(4, n - m) if n - m >= 2 else 1
    width = m + acc - (1 if m % 2 == 0 and acc % 2 == 0 else 0)
    width = min(max(width, m + 1), n)
    D = np.zeros((n, n))
    for i in range(n):
        lo = min(max(i - width // 2, 0), n - width)
        offs = tuple(range(lo - i, lo - i + width))
        D[i, lo:lo + width] = [float(w) for w in fornberg_weights(offs, m)]
    return D / h**m


@functools.lru_cache(maxsize=32)
def _dft_matrices(n: int, m: int, dtype):
    """(forward (n, 2m), inverse (2m, n)) real matrices of the truncated real DFT:
    h @ F = [Re H_0..m-1 | Im H_0..m-1], and [Re | Im] @ G = irfft of the m modes
    (the rest zero). On the CPU a matmul against 2m columns is faster than XLA's
    FFT at these sizes (measured: 16 against 26 ms per training step)."""
    k, j = np.arange(m), np.arange(n)
    ang = 2 * np.pi * np.outer(j, k) / n
    c = np.where(k == 0, 1.0, 2.0)[:, None] / n  # irfft: modes 1.. count twice; Im of mode 0 ignored
    F = np.concatenate([np.cos(ang), -np.sin(ang)], axis=1)
    G = np.concatenate([c * np.cos(ang.T), -c * np.sin(ang.T)], axis=0)
    return F.astype(dtype), G.astype(dtype)


def _spectral(jnp, h, re, im):
    """The Fourier layer's K h: multiply the lowest modes by complex matrices
    (real arithmetic: [Re | Im] times the block matrix [[Wr, Wi], [-Wi, Wr]])."""
    d = h.ndim - 2
    if d == 1:
        n, m, w = h.shape[1], re.shape[1], h.shape[-1]
        F, G = (jnp.asarray(a) for a in _dft_matrices(n, m, h.dtype))
        # modes lead (the batch dimension of the mode mixing: no transposes around it)
        H = jnp.einsum("bsi,sk->kbi", h, F)                    # (2m, B, W): Re then Im
        H = jnp.concatenate([H[:m], H[m:]], axis=-1)           # (m, B, 2W)
        Wb = jnp.concatenate([jnp.concatenate([re[0], im[0]], -1), jnp.concatenate([-im[0], re[0]], -1)], 1)
        O = jnp.einsum("mbi,mio->mbo", H, Wb)                  # (m, B, 2W): [Re | Im]
        O = jnp.concatenate([O[..., :w], O[..., w:]], axis=0)  # (2m, B, W)
        return jnp.einsum("kbo,ks->bso", O, G)
    axes = (1, 2)
    H = jnp.fft.rfftn(h, axes=axes)
    W = re + 1j * im  # (corners, *modes, in, out)
    m1, m2 = re.shape[1:3]
    out = jnp.zeros(H.shape[:-1] + (W.shape[-1],), H.dtype)
    out = out.at[:, :m1, :m2].set(jnp.einsum("bxyi,xyio->bxyo", H[:, :m1, :m2], W[0]))
    out = out.at[:, -m1:, :m2].set(jnp.einsum("bxyi,xyio->bxyo", H[:, -m1:, :m2], W[1]))
    return jnp.fft.irfftn(out, s=h.shape[1:3], axes=axes).astype(h.dtype)


def _relative_errors(xp, pred, y):
    """Per sample ||pred - y|| / ||y|| (xp: numpy or jax.numpy)."""
    axes = tuple(range(1, y.ndim))
    return xp.sqrt(xp.sum((pred - y) ** 2, axes)) / xp.sqrt(xp.sum(y**2, axes))


def _schedule(schedule) -> tuple[int, float]:
    try:
        every, factor = schedule
    except (TypeError, ValueError):
        every = factor = None
    if not (isinstance(every, (int, np.integer)) and every >= 1 and isinstance(factor, (int, float))
            and 0 < factor <= 1):
        raise ModelError(f"fit(schedule={schedule!r}): give (epochs, factor), the rate times factor "
                         f"(0 < factor <= 1) every that many epochs, e.g. (100, 0.5)")
    return int(every), float(factor)


def _as_list(v, what):
    if isinstance(v, (list, tuple)):
        if not v:
            raise ModelError(f"FNO({what}=[]): name at least one field")
        return list(v)
    return [v]


def _stream(first, rest):
    yield first
    yield from rest


@dataclass(frozen=True)
class FNOResult:
    """A trained FNO: `predict(inputs)`, `history` (a dict per epoch: loss, test
    error, seconds, samples seen), `timings`.

    >>> res.predict(new_ds), res.history[-1]["test"]      # doctest: +SKIP
    """

    model: FNO
    params: object
    history: list
    timings: dict = field(default_factory=dict)

    def predict(self, inputs, grid: dict | None = None):
        """The operator on `inputs`: a Dataset (layout of `generate_dataset`), or
        an array `(N, *space)` for a single input field (with `grid` = {x: nodes}
        for the coordinate channels). Returns `(N, *space)` for one output field at
        one time, else `(N, *space, channels)` (fields, then times)."""
        jax = _jax()
        if hasattr(inputs, "data_vars"):
            X, _ = self.model.arrays(inputs)
        else:
            u = np.asarray(inputs, dtype=float)
            if len(self.model.in_names) != 1 or grid is None:
                raise ModelError("predict(array) takes one input field and grid={x: nodes}; "
                                 "for several inputs give a Dataset")
            coords = [np.asarray(c, float) for c in grid.values()]
            if u.shape[1:] != tuple(len(c) for c in coords):
                raise ModelError(f"predict: inputs have shape {u.shape}; the grid needs (N, "
                                 f"{', '.join(str(len(c)) for c in coords)})")
            mesh = np.meshgrid(*coords, indexing="ij")
            X = np.stack([u] + [np.broadcast_to(m, u.shape) for m in mesh], axis=-1)
        out = np.asarray(jax.jit(self.model.apply)(self.params, jax.numpy.asarray(X, self.model.dtype)), float)
        return out[..., 0] if out.shape[-1] == 1 else out
