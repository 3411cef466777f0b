"""Deterministic smooth random fields on the sphere, evaluated on MODIS tiles.

A field is a sum of plane waves in 3-D, ``sum_i a_i cos(k_i . p + phase_i + omega_i t)``,
evaluated at unit-sphere points ``p`` scaled to the MODIS sphere (km). It is a
smooth function of position on the globe (no seam at the antimeridian, no
singularity at the poles) and of time ``t`` (days), and it is fixed entirely
by ``(seed, stream name)``: any tile and date can be computed on its own.

For speed a field is evaluated on a coarse *node lattice* -- every ``step``
pixels of the global sinusoidal pixel grid -- and bilinearly interpolated to
the 1200 x 1200 pixel centres. Node positions are global (integer pixel-corner
indices), so neighbouring tiles share their edge nodes and the interpolated
field joins seamlessly across tile seams.

``pixel_hash`` gives per-pixel pseudo-random bits keyed by the *global* pixel
index, for white noise that is equally independent inside a tile and across a
seam.
"""

from __future__ import annotations

import functools
import math
import zlib
from dataclasses import dataclass

import numpy as np

from thermoquake.modis.sinusoidal import GRID_NORTH_M, GRID_WEST_M, SPHERE_RADIUS_M, TILE_SIZE_M

PIXELS = 1200
"""Pixels per tile side (1 km products)."""

PIXEL_M = TILE_SIZE_M / PIXELS
"""Pixel size, metres (926.625 m)."""

SPHERE_RADIUS_KM = SPHERE_RADIUS_M / 1000.0


@dataclass(frozen=True)
class WaveSpec:
    """How to draw one random field.

    Attributes:
        stream: name that, with the seed, selects the random numbers.
        n_waves: number of plane waves.
        min_wavelength_km, max_wavelength_km: wavelengths are log-uniform in this range.
        slope: amplitude of a wave is proportional to ``wavelength ** slope``.
        omega_std: standard deviation of each wave's phase speed, radians per day
            (0: a static field). Day-to-day correlation is about
            ``exp(-(omega_std * lag_days) ** 2 / 2)``.
    """

    stream: str
    n_waves: int
    min_wavelength_km: float
    max_wavelength_km: float
    slope: float = 1.0
    omega_std: float = 0.0


@dataclass(frozen=True)
class WaveSet:
    """Drawn plane waves; ``kvec`` (n, 3) in radians per unit-sphere length. Unit variance."""

    kvec: np.ndarray
    phase: np.ndarray
    omega: np.ndarray
    amplitude: np.ndarray

    def evaluate(self, xyz: np.ndarray, t_days: float = 0.0) -> np.ndarray:
        """Field value at unit vectors ``xyz`` (shape (3, ...)) and time ``t_days``.

        Returns float64 of shape ``xyz.shape[1:]``.
        """
        out = np.zeros(xyz.shape[1:], dtype=np.float64)
        x, y, z = xyz
        waves = zip(self.kvec, self.phase, self.omega, self.amplitude, strict=True)
        for (kx, ky, kz), ph, om, amp in waves:
            arg = x * kx
            arg += y * ky
            arg += z * kz
            arg += ph + om * t_days
            np.cos(arg, out=arg)
            arg *= amp
            out += arg
        return out


@functools.lru_cache(maxsize=64)
def wave_set(seed: int, spec: WaveSpec) -> WaveSet:
    """The plane waves of ``spec`` for ``seed`` (cached; same inputs, same waves everywhere)."""
    stream = zlib.crc32(spec.stream.encode("utf-8"))
    rng = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, stream]))
    )
    n = spec.n_waves
    direction = rng.standard_normal((n, 3))
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    wavelength = np.exp(
        rng.uniform(math.log(spec.min_wavelength_km), math.log(spec.max_wavelength_km), n)
    )
    k = 2.0 * math.pi / wavelength * SPHERE_RADIUS_KM  # radians per unit-sphere length
    phase = rng.uniform(0.0, 2.0 * math.pi, n)
    omega = rng.standard_normal(n) * spec.omega_std
    amplitude = wavelength**spec.slope
    amplitude *= math.sqrt(2.0) / np.linalg.norm(amplitude)  # variance sum(a^2)/2 = 1
    for arr in (direction, phase, omega, amplitude):
        arr.flags.writeable = False
    kvec = direction * k[:, None]
    kvec.flags.writeable = False
    return WaveSet(kvec=kvec, phase=phase, omega=omega, amplitude=amplitude)


def _check_step(step: int) -> None:
    if step <= 0 or PIXELS % step:
        raise ValueError(f"node step {step} must divide {PIXELS}")


@functools.lru_cache(maxsize=32)
def node_unit_vectors(h: int, v: int, step: int) -> np.ndarray:
    """Unit vectors (3, n, n) of the node lattice of tile ``h, v``, ``n = 1200 / step + 1``.

    Node ``(j, k)`` sits at the global pixel corner ``(v * 1200 + j * step, h * 1200 + k * step)``.
    Nodes off the globe get the longitude ``x / (R cos lat)`` beyond +-180 degrees, i.e.
    the wrapped position, so the field stays continuous at the globe's edge.
    """
    _check_step(step)
    n = PIXELS // step + 1
    corner = np.arange(n, dtype=np.int64) * step
    x = GRID_WEST_M + (h * PIXELS + corner).astype(np.float64) * PIXEL_M
    y = GRID_NORTH_M - (v * PIXELS + corner).astype(np.float64) * PIXEL_M
    lat = y / SPHERE_RADIUS_M
    coslat = np.cos(lat)
    with np.errstate(divide="ignore", invalid="ignore"):
        lon = x[None, :] / (SPHERE_RADIUS_M * np.maximum(coslat[:, None], 1e-12))
    out = np.empty((3, n, n), dtype=np.float64)
    out[0] = coslat[:, None] * np.cos(lon)
    out[1] = coslat[:, None] * np.sin(lon)
    out[2] = np.sin(lat)[:, None]
    out.flags.writeable = False
    return out


@functools.lru_cache(maxsize=8)
def _bilinear_weights(step: int) -> tuple[np.ndarray, np.ndarray]:
    centre = (np.arange(PIXELS, dtype=np.float64) + 0.5) / step
    i0 = np.floor(centre).astype(np.intp)
    w = (centre - i0).astype(np.float32)
    return i0, w


def upsample_nodes(nodes: np.ndarray, step: int) -> np.ndarray:
    """Bilinear interpolation of node values (n, n) to the pixel centres: float32 (1200, 1200)."""
    _check_step(step)
    i0, w = _bilinear_weights(step)
    g = np.asarray(nodes, dtype=np.float32)
    rows = g[i0, :] * (1.0 - w)[:, None]
    rows += g[i0 + 1, :] * w[:, None]
    out = rows[:, i0] * (1.0 - w)[None, :]
    out += rows[:, i0 + 1] * w[None, :]
    return out


def refine_nodes(nodes: np.ndarray, factor: int) -> np.ndarray:
    """Bilinear interpolation of node values (n, n) at step ``s`` onto the lattice at step
    ``s / factor``: shape ``((n - 1) * factor + 1,) * 2``. Exact for the piecewise-bilinear
    field, so refining then upsampling equals upsampling directly."""
    n = nodes.shape[0]
    pos = np.arange((n - 1) * factor + 1, dtype=np.float64) / factor
    i0 = np.minimum(np.floor(pos).astype(np.intp), n - 2)
    w = pos - i0
    rows = nodes[i0, :] * (1.0 - w)[:, None] + nodes[i0 + 1, :] * w[:, None]
    return rows[:, i0] * (1.0 - w)[None, :] + rows[:, i0 + 1] * w[None, :]


def smooth_nodes(
    seed: int, spec: WaveSpec, h: int, v: int, step: int, t_days: float = 0.0
) -> np.ndarray:
    """Unit-variance field ``spec`` at the node lattice (step ``step``) of tile ``h, v``.

    Returns float64 (n, n), ``n = 1200 / step + 1``.
    """
    return wave_set(seed, spec).evaluate(node_unit_vectors(h, v, step), t_days)


def smooth_field(
    seed: int, spec: WaveSpec, h: int, v: int, step: int, t_days: float = 0.0
) -> np.ndarray:
    """Unit-variance field ``spec`` on tile ``h, v`` at time ``t_days``: float32 (1200, 1200)."""
    return upsample_nodes(smooth_nodes(seed, spec, h, v, step, t_days), step)


_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = 0x9E3779B97F4A7C15


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, in place on a uint64 array."""
    z ^= z >> np.uint64(30)
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return z


def pixel_hash(seed: int, stream: str, day: int, h: int, v: int) -> np.ndarray:
    """64 pseudo-random bits per pixel of tile ``h, v``: uint64 (1200, 1200).

    Keyed by ``(seed, stream, day)`` and the *global* pixel row and column, so
    the bits of a pixel do not depend on which tile request computed them.
    """
    key = (int(seed) & 0xFFFFFFFF) * _GOLDEN + zlib.crc32(stream.encode("utf-8")) * 0x100000001B3
    key = (key + (int(day) & 0xFFFFFFFF) * 0xD6E8FEB86659FD93) & 0xFFFFFFFFFFFFFFFF
    with np.errstate(over="ignore"):
        rows = np.arange(v * PIXELS, (v + 1) * PIXELS, dtype=np.uint64)
        cols = np.arange(h * PIXELS, (h + 1) * PIXELS, dtype=np.uint64)
        hr = _mix(rows * np.uint64(_GOLDEN) + np.uint64(key))
        hc = _mix(cols * np.uint64(0xC2B2AE3D27D4EB4F) ^ np.uint64(key))
        z = hr[:, None] ^ (hc[None, :] * np.uint64(3))
        return _mix(z)


def hash_uniform(bits: np.ndarray, lane: int) -> np.ndarray:
    """Uniform [0, 1) float32 from 16-bit lane ``lane`` (0..3) of ``pixel_hash`` bits."""
    part = (bits >> np.uint64(16 * lane)) & np.uint64(0xFFFF)
    return part.astype(np.float32) * np.float32(1.0 / 65536.0)
