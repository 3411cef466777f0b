"""Parse the HDF-EOS ``StructMetadata.0`` attribute (ODL text) of a grid file.

PyPI's rasterio has no HDF4 driver, so the georeferencing of a MODIS tile
comes from here: grid name, XDim/YDim, UpperLeftPointMtrs, LowerRightMtrs,
GCTP_SNSOID and the sphere radius (first of ProjParams).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from affine import Affine

_ASSIGN = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


class StructMetadataError(ValueError):
    """StructMetadata.0 is missing a key or holds an unreadable value."""


@dataclass(frozen=True)
class GridInfo:
    """Georeferencing of one HDF-EOS grid (metres on the projection's sphere)."""

    grid_name: str
    xdim: int
    ydim: int
    upper_left_m: tuple[float, float]
    lower_right_m: tuple[float, float]
    projection: str
    sphere_radius_m: float
    data_fields: tuple[str, ...]

    @property
    def pixel_width_m(self) -> float:
        return (self.lower_right_m[0] - self.upper_left_m[0]) / self.xdim

    @property
    def pixel_height_m(self) -> float:
        return (self.upper_left_m[1] - self.lower_right_m[1]) / self.ydim

    @property
    def transform(self) -> Affine:
        """Pixel corner -> projected metres (north up)."""
        return Affine(
            self.pixel_width_m, 0.0, self.upper_left_m[0], 0.0, -self.pixel_height_m, self.upper_left_m[1]
        )


def parse_struct_metadata(text: str) -> list[GridInfo]:
    """Every grid described in a ``StructMetadata.0`` text, in file order.

    Raises :class:`StructMetadataError` if the grid structure is missing or a
    required key is absent or malformed.
    """
    grids: list[dict[str, object]] = []
    stack: list[str] = []
    current: dict[str, object] | None = None
    for line in text.replace("\x00", "").splitlines():
        m = _ASSIGN.match(line)
        if not m:
            continue
        key, value = m.groups()
        if key in ("GROUP", "OBJECT"):
            stack.append(value)
            if key == "GROUP" and len(stack) == 2 and stack[0] == "GridStructure":
                current = {"fields": []}
                grids.append(current)
        elif key in ("END_GROUP", "END_OBJECT"):
            if stack:
                stack.pop()
            if len(stack) < 2:
                current = None
        elif current is not None:
            if key == "DataFieldName":
                current["fields"].append(_unquote(value))  # type: ignore[union-attr]
            elif len(stack) == 2:
                current[key] = value
    if not grids:
        raise StructMetadataError("StructMetadata.0 describes no grid (no GROUP=GridStructure/GRID_n)")
    return [_grid_info(g) for g in grids]


def _grid_info(raw: dict[str, object]) -> GridInfo:
    def need(key: str) -> str:
        if key not in raw:
            raise StructMetadataError(f"StructMetadata.0 has no {key}")
        return str(raw[key])

    try:
        ul = _pair(need("UpperLeftPointMtrs"))
        lr = _pair(need("LowerRightMtrs"))
        xdim, ydim = int(need("XDim")), int(need("YDim"))
        params = _numbers(need("ProjParams")) if "ProjParams" in raw else []
    except ValueError as err:
        if isinstance(err, StructMetadataError):
            raise
        raise StructMetadataError(f"StructMetadata.0 has a malformed value ({err})") from None
    if xdim <= 0 or ydim <= 0:
        raise StructMetadataError(f"StructMetadata.0 has a non-positive grid size {xdim} x {ydim}")
    if not (lr[0] > ul[0] and ul[1] > lr[1]):
        raise StructMetadataError("StructMetadata.0 corners are not upper-left / lower-right")
    return GridInfo(
        grid_name=_unquote(need("GridName")),
        xdim=xdim,
        ydim=ydim,
        upper_left_m=ul,
        lower_right_m=lr,
        projection=need("Projection"),
        sphere_radius_m=params[0] if params else float("nan"),
        data_fields=tuple(raw["fields"]),  # type: ignore[arg-type]
    )


def _unquote(value: str) -> str:
    return value.strip().strip('"')


def _numbers(value: str) -> list[float]:
    inner = value.strip()
    if not (inner.startswith("(") and inner.endswith(")")):
        raise ValueError(f"expected a parenthesised list, got {value!r}")
    return [float(part) for part in inner[1:-1].split(",") if part.strip()]


def _pair(value: str) -> tuple[float, float]:
    nums = _numbers(value)
    if len(nums) != 2:
        raise ValueError(f"expected two numbers, got {value!r}")
    return nums[0], nums[1]
