"""Write an HDF4-EOS grid file in the MxD11A1 layout with pyhdf.

The file has what a real MOD11A1/MYD11A1 collection-6/6.1 tile has:

- the 12 scientific datasets, in the real order, with the real dtypes, attributes
  (names, values, HDF number types and order), dimension names
  ``YDim:MODIS_Grid_Daily_1km_LST`` / ``XDim:...`` and deflate level 1;
- global attributes ``HDFEOSVersion``, ``StructMetadata.0`` (ODL text padded with
  NULs to 32000 bytes, as the HDF-EOS library writes it), ``CoreMetadata.0``,
  ``ArchiveMetadata.0`` and the DOI pair, followed by the caller's own attributes;
- the HDF-EOS vgroups: ``MODIS_Grid_Daily_1km_LST`` (class ``GRID``) holding
  ``Data Fields`` (the SDSs) and ``Grid Attributes`` (class ``GRID Vgroup``), so that
  GDAL's HDF4 driver lists ``HDF4_EOS:EOS_GRID`` subdatasets with the sinusoidal
  georeferencing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyhdf.V  # noqa: F401  (HDF.vgstart needs the module loaded)
import pyhdf.VS  # noqa: F401
from pyhdf.HDF import HC, HDF
from pyhdf.SD import SD, SDC

from thermoquake.modis.naming import GranuleName
from thermoquake.modis.products import LST_PRODUCTS
from thermoquake.modis.sinusoidal import SPHERE_RADIUS_M, tile_bounds

GRID_NAME = LST_PRODUCTS["MYD11A1"].grid_name
HDFEOS_VERSION = "HDFEOS_V2.19"
STRUCT_METADATA_BYTES = 32000
DEFLATE_LEVEL = 1

_C, _U8, _U16, _F64, _I32 = SDC.CHAR8, SDC.UINT8, SDC.UINT16, SDC.FLOAT64, SDC.INT32
_DFNT = {np.dtype(np.uint8): ("DFNT_UINT8", _U8), np.dtype(np.uint16): ("DFNT_UINT16", _U16)}

Attr = tuple[str, int, object]
"""(name, HDF number type, value)."""


@dataclass(frozen=True)
class SdsSpec:
    """One scientific dataset of the file: name, dtype and attributes in file order.
    An attribute named ``_FillValue`` with the dataset's own type is set with SDsetfillvalue."""

    name: str
    dtype: np.dtype
    attrs: tuple[Attr, ...]


def _lst(kind: str) -> tuple[Attr, ...]:
    return (
        ("long_name", _C, f"Daily {kind} 1km grid Land-surface Temperature"),
        ("units", _C, "K"),
        ("Number Type", _C, "uint16"),
        ("valid_range", _U16, [7500, 65535]),
        ("_FillValue", _U16, 0),
        ("LST", _C, "LST data * scale_factor"),
        ("scale_factor", _F64, 0.02),
        ("scale_factor_err", _F64, 0.0),
        ("add_offset_err", _F64, 0.0),
        ("calibrated_nt", _I32, 5),
    )


def _qc(kind: str) -> tuple[Attr, ...]:
    return (
        ("long_name", _C, f"Quality control for {kind} LST and emissivity"),
        ("Number Type", _C, "uint8"),
        ("valid_range", _U8, [0, 255]),
        ("_FillValue", _C, "NA\x00"),  # sic: real files hold the string "NA"
    )


def _view_time(kind: str) -> tuple[Attr, ...]:
    return (
        ("long_name", _C, f"Time of {kind} Land-surface Temperature observation"),
        ("units", _C, "hrs"),
        ("Number Type", _C, "uint8"),
        ("valid_range", _U8, [0, 240]),
        ("_FillValue", _U8, 255),
        ("View_time", _C, "View_time data * scale_factor"),
        ("scale_factor", _F64, 0.1),
        ("scale_factor_err", _F64, 0.0),
        ("add_offset_err", _F64, 0.0),
        ("calibrated_nt", _I32, 5),
    )


def _view_angle(kind: str) -> tuple[Attr, ...]:
    return (
        ("long_name", _C, f"View zenith angle of {kind} Land-surface Temperature"),
        ("units", _C, "deg"),
        ("Number Type", _C, "uint8"),
        ("valid_range", _U8, [0, 130]),
        ("_FillValue", _U8, 255),
        ("View_angle", _C, "View_angle data * scale_factor + add_offset"),
        ("scale_factor", _F64, 1.0),
        ("add_offset", _F64, -65.0),
        ("scale_factor_err", _F64, 0.0),
        ("add_offset_err", _F64, 0.0),
        ("calibrated_nt", _I32, 5),
    )


def _emis(band: str) -> tuple[Attr, ...]:
    return (
        ("long_name", _C, f"Band {band} emissivity"),
        ("Number Type", _C, "uint8"),
        ("valid_range", _U8, [1, 255]),
        ("_FillValue", _U8, 0),
        (f"Emis_{band}", _C, f"Emis_{band} data * scale_factor + add_offset"),
        ("scale_factor", _F64, 0.002),
        ("add_offset", _F64, 0.49),
        ("scale_factor_err", _F64, 0.0),
        ("add_offset_err", _F64, 0.0),
        ("calibrated_nt", _I32, 5),
    )


def _clear_cov(kind: str, abbrev: str) -> tuple[Attr, ...]:
    return (
        ("long_name", _C, f"{kind} clear-sky coverage"),
        ("Number Type", _C, "uint16"),
        ("valid_range", _U16, [1, 65535]),
        ("_FillValue", _U16, 0),
        (f"{kind} clear_sky_cov", _C, f"{abbrev}_clear_sky_cov data * scale_factor"),
        ("scale_factor", _F64, 0.0005),
        ("scale_factor_err", _F64, 0.0),
        ("add_offset_err", _F64, 0.0),
        ("calibrated_nt", _I32, 5),
    )


_U8T, _U16T = np.dtype(np.uint8), np.dtype(np.uint16)
SDS_SPECS: tuple[SdsSpec, ...] = (
    SdsSpec("LST_Day_1km", _U16T, _lst("daytime")),
    SdsSpec("QC_Day", _U8T, _qc("daytime")),
    SdsSpec("Day_view_time", _U8T, _view_time("daytime")),
    SdsSpec("Day_view_angl", _U8T, _view_angle("daytime")),
    SdsSpec("LST_Night_1km", _U16T, _lst("nighttime")),
    SdsSpec("QC_Night", _U8T, _qc("nighttime")),
    SdsSpec("Night_view_time", _U8T, _view_time("nighttime")),
    SdsSpec("Night_view_angl", _U8T, _view_angle("nighttime")),
    SdsSpec("Emis_31", _U8T, _emis("31")),
    SdsSpec("Emis_32", _U8T, _emis("32")),
    SdsSpec("Clear_day_cov", _U16T, _clear_cov("day", "day")),
    SdsSpec("Clear_night_cov", _U16T, _clear_cov("night", "nit")),
)
"""The datasets of an MxD11A1 file, in file order (as in collections 6 and 6.1)."""


def struct_metadata(
    h: int, v: int, fields: Sequence[tuple[str, np.dtype]], pixels: int = 1200
) -> str:
    """``StructMetadata.0`` text of tile ``h, v`` (without the NUL padding).

    Same form as the HDF-EOS library writes for MxD11A1: one grid ``GRID_1``
    named ``MODIS_Grid_Daily_1km_LST``, corners in metres with 6 decimals,
    GCTP_SNSOID on the 6371007.181 m sphere, one ``DataField_n`` per dataset.
    """
    west, south, east, north = tile_bounds(h, v)
    lines = [
        "GROUP=SwathStructure",
        "END_GROUP=SwathStructure",
        "GROUP=GridStructure",
        "\tGROUP=GRID_1",
        f'\t\tGridName="{GRID_NAME}"',
        f"\t\tXDim={pixels}",
        f"\t\tYDim={pixels}",
        f"\t\tUpperLeftPointMtrs=({west:.6f},{north:.6f})",
        f"\t\tLowerRightMtrs=({east:.6f},{south:.6f})",
        "\t\tProjection=GCTP_SNSOID",
        f"\t\tProjParams=({SPHERE_RADIUS_M:.6f},0,0,0,0,0,0,0,86400,0,0,0,0)",
        "\t\tSphereCode=-1",
        "\t\tGridOrigin=HDFE_GD_UL",
        "\t\tGROUP=Dimension",
        "\t\tEND_GROUP=Dimension",
        "\t\tGROUP=DataField",
    ]
    for i, (name, dtype) in enumerate(fields, start=1):
        lines += [
            f"\t\t\tOBJECT=DataField_{i}",
            f'\t\t\t\tDataFieldName="{name}"',
            f"\t\t\t\tDataType={_DFNT[np.dtype(dtype)][0]}",
            '\t\t\t\tDimList=("YDim","XDim")',
            f"\t\t\tEND_OBJECT=DataField_{i}",
        ]
    lines += [
        "\t\tEND_GROUP=DataField",
        "\t\tGROUP=MergedFields",
        "\t\tEND_GROUP=MergedFields",
        "\tEND_GROUP=GRID_1",
        "END_GROUP=GridStructure",
        "GROUP=PointStructure",
        "END_GROUP=PointStructure",
        "END",
        "",
    ]
    return "\n".join(lines)


def write_hdfeos_tile(
    path: str | os.PathLike[str],
    granule: GranuleName,
    data: Mapping[str, np.ndarray],
    *,
    core_metadata: str,
    archive_metadata: str,
    extra_attributes: Sequence[tuple[str, str]] = (),
    doi: tuple[str, str] = ("", ""),
) -> None:
    """Write the 12 MxD11A1 datasets ``data`` (name -> (1200, 1200) array) to ``path``.

    ``path`` is written in place (callers make it atomic by writing a temporary
    file and renaming it). The HDF library records the path it was given in the
    file; it is replaced by ``granule.filename`` and the old bytes are zeroed, so
    the bytes do not depend on a temporary name's random part.
    """
    path = Path(path)
    missing = [spec.name for spec in SDS_SPECS if spec.name not in data]
    if missing:
        raise ValueError(f"no data for {', '.join(missing)}")
    sd = SD(os.fspath(path), SDC.WRITE | SDC.CREATE | SDC.TRUNC)
    refs: list[int] = []
    try:
        for spec in SDS_SPECS:
            refs.append(_write_sds(sd, spec, data[spec.name]))
        text = struct_metadata(granule.h, granule.v, [(s.name, s.dtype) for s in SDS_SPECS])
        globals_: list[tuple[str, str]] = [
            ("HDFEOSVersion", HDFEOS_VERSION),
            ("StructMetadata.0", text.ljust(STRUCT_METADATA_BYTES, "\x00")),
            ("CoreMetadata.0", core_metadata),
            ("ArchiveMetadata.0", archive_metadata),
            ("identifier_product_doi", doi[0]),
            ("identifier_product_doi_authority", doi[1]),
            *extra_attributes,
        ]
        for name, value in globals_:
            sd.attr(name).set(_C, value)
    finally:
        sd.end()
    _add_grid_vgroups(path, refs, granule.filename)


def _write_sds(sd: SD, spec: SdsSpec, array: np.ndarray) -> int:
    array = np.ascontiguousarray(array, dtype=spec.dtype)
    if array.ndim != 2:
        raise ValueError(f"{spec.name} must be 2-D, got shape {array.shape}")
    sds = sd.create(spec.name, _DFNT[spec.dtype][1], array.shape)
    try:
        sds.dim(0).setname(f"YDim:{GRID_NAME}")
        sds.dim(1).setname(f"XDim:{GRID_NAME}")
        sds.setcompress(SDC.COMP_DEFLATE, DEFLATE_LEVEL)
        for name, hdf_type, value in spec.attrs:
            if name == "_FillValue" and hdf_type == _DFNT[spec.dtype][1]:
                sds.setfillvalue(value)
            else:
                sds.attr(name).set(hdf_type, value)
        sds[:] = array
        return sds.ref()
    finally:
        sds.endaccess()


def _add_grid_vgroups(path: Path, sds_refs: Sequence[int], final_name: str) -> None:
    """Add the HDF-EOS grid vgroups and rename the SD interface's ``CDF0.0`` vgroup
    (named after the path the file was created under) to ``final_name``."""
    recorded = os.fsencode(os.fspath(path))
    hdf = HDF(os.fspath(path), HC.WRITE)
    try:
        vgs = hdf.vgstart()
        try:
            ref = -1
            while True:
                try:
                    ref = vgs.getid(ref)
                except Exception:  # pyhdf raises HDF4Error at the end of the list
                    break
                vg = vgs.attach(ref, write=1)
                try:
                    if vg._class == "CDF0.0":
                        vg._name = final_name
                finally:
                    vg.detach()
            grid = vgs.create(GRID_NAME)
            grid._class = "GRID"
            fields = vgs.create("Data Fields")
            fields._class = "GRID Vgroup"
            for sds_ref in sds_refs:
                fields.add(HC.DFTAG_NDG, sds_ref)
            attrs = vgs.create("Grid Attributes")
            attrs._class = "GRID Vgroup"
            grid.insert(fields)
            grid.insert(attrs)
            for vg in (attrs, fields, grid):
                vg.detach()
        finally:
            vgs.end()
    finally:
        hdf.close()
    _zero_bytes(path, recorded)


def _zero_bytes(path: Path, needle: bytes) -> None:
    """Overwrite each occurrence of ``needle`` in the file with NULs (dead space of the rename)."""
    with open(path, "r+b") as fh:
        blob = fh.read()
        start = blob.find(needle)
        while start >= 0:
            fh.seek(start)
            fh.write(b"\x00" * len(needle))
            start = blob.find(needle, start + len(needle))
