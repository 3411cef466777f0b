"""ECS metadata text (``CoreMetadata.0``, ``ArchiveMetadata.0``) of a synthetic tile, in the ODL
layout of real MxD11A1 files, saying plainly that the data are SYNTHETIC."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from thermoquake.modis.naming import GranuleName
from thermoquake.modis.products import LST_PRODUCTS
from thermoquake.modis.sinusoidal import tile_bounds, xy_to_lonlat
from thermoquake.synth.config import SYNTH_VERSION
from thermoquake.synth.noise import PIXEL_M

GENERATOR = "thermoquake synth"
SYNTHETIC_NOTE = "SYNTHETIC data written by thermoquake synth; not a NASA product"


@dataclass(frozen=True)
class QaPercent:
    """Percent of the tile's pixels per mandatory QA class (0..100, integers)."""

    good: int
    other: int
    cloud: int
    not_produced: int


def _value(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_value(v) for v in value) + ")"
    return str(value)


class _Odl:
    """Tiny writer of the ODL dialect in ECS metadata (``GROUP = X`` ... ``END_GROUP = X``)."""

    def __init__(self) -> None:
        self.lines: list[str] = [""]
        self.depth = 0

    def _put(self, key: str, value: str) -> None:
        self.lines.append(f"{'  ' * self.depth}{key:<23}= {value}")

    def group(self, name: str, **attrs: str) -> _Odl:
        self._put("GROUP", name)
        self.depth += 1
        for k, v in attrs.items():
            self._put(k, v)
        self.lines.append("")
        return self

    def end_group(self, name: str) -> None:
        self.depth -= 1
        self._put("END_GROUP", name)
        self.lines.append("")

    def container(self, name: str, klass: str) -> None:
        """Open an ``OBJECT`` that holds other objects (with a ``CLASS``)."""
        self._put("OBJECT", name)
        self.depth += 1
        self._put("CLASS", f'"{klass}"')
        self.lines.append("")

    def end_container(self, name: str) -> None:
        self.depth -= 1
        self._put("END_OBJECT", name)
        self.lines.append("")

    def obj(
        self, name: str, value: object, klass: str | None = None, num_val: int | None = None
    ) -> None:
        self._put("OBJECT", name)
        self.depth += 1
        if klass is not None:
            self._put("CLASS", f'"{klass}"')
        n = (
            num_val
            if num_val is not None
            else (len(value) if isinstance(value, (tuple, list)) else 1)
        )
        self._put("NUM_VAL", str(n))
        self._put("VALUE", _value(value))
        self.depth -= 1
        self._put("END_OBJECT", name)
        self.lines.append("")

    def text(self) -> str:
        return "\n".join(self.lines) + "\nEND\n"


def gring(h: int, v: int) -> tuple[list[float], list[float]]:
    """Longitudes and latitudes (degrees) of the tile's corner pixel centres UL, UR, LR, LL,
    clamped to the globe's edge where a corner lies off it."""
    west, south, east, north = tile_bounds(h, v)
    half = PIXEL_M / 2.0
    lons, lats = [], []
    for x, y in (
        (west + half, north - half),
        (east - half, north - half),
        (east - half, south + half),
        (west + half, south + half),
    ):
        lon, lat = xy_to_lonlat(x, y)
        lon = float(lon) if lon == lon else (180.0 if x > 0 else -180.0)
        lons.append(round(lon, 10))
        lats.append(round(float(lat), 10))
    return lons, lats


def core_metadata(granule: GranuleName, production: dt.datetime, qa: QaPercent, seed: int) -> str:
    """``CoreMetadata.0`` text: LOCALGRANULEID (the file name), SHORTNAME, VERSIONID,
    RANGEBEGINNINGDATE, tile numbers, QA percentages, platform, and SYNTHETIC markers."""
    product = LST_PRODUCTS[granule.product]
    day = granule.date.isoformat()
    o = _Odl()
    o.group("INVENTORYMETADATA", GROUPTYPE="MASTERGROUP")
    o.group("ECSDATAGRANULE")
    o.obj("LOCALGRANULEID", granule.filename)
    o.obj("PRODUCTIONDATETIME", production.strftime("%Y-%m-%dT%H:%M:%S.000Z"))
    o.obj("DAYNIGHTFLAG", "Both")
    o.obj("REPROCESSINGACTUAL", "synthetic")
    o.obj("LOCALVERSIONID", f"thermoquake-synth-{SYNTH_VERSION}")
    o.obj("REPROCESSINGPLANNED", "not applicable: SYNTHETIC data")
    o.end_group("ECSDATAGRANULE")
    o.group("MEASUREDPARAMETER")
    o.container("MEASUREDPARAMETERCONTAINER", "1")
    o.group("QAFLAGS", CLASS='"1"')
    o.obj("SCIENCEQUALITYFLAG", "Not Investigated", klass="1")
    o.obj("AUTOMATICQUALITYFLAGEXPLANATION", SYNTHETIC_NOTE, klass="1")
    o.obj("AUTOMATICQUALITYFLAG", "Passed", klass="1")
    o.end_group("QAFLAGS")
    o.group("QASTATS", CLASS='"1"')
    o.obj("QAPERCENTMISSINGDATA", 0, klass="1")
    o.obj("QAPERCENTOUTOFBOUNDSDATA", 0, klass="1")
    o.obj("QAPERCENTCLOUDCOVER", qa.cloud, klass="1")
    o.obj("QAPERCENTINTERPOLATEDDATA", 0, klass="1")
    o.end_group("QASTATS")
    o.obj("PARAMETERNAME", f"{granule.product[:3]} 1KM L3 LST", klass="1")
    o.end_container("MEASUREDPARAMETERCONTAINER")
    o.end_group("MEASUREDPARAMETER")
    o.group("COLLECTIONDESCRIPTIONCLASS")
    o.obj("VERSIONID", int(granule.collection))
    o.obj("SHORTNAME", granule.product)
    o.end_group("COLLECTIONDESCRIPTIONCLASS")
    o.group("INPUTGRANULE")
    o.obj("INPUTPOINTER", "none: SYNTHETIC")
    o.end_group("INPUTGRANULE")
    lons, lats = gring(granule.h, granule.v)
    o.group("SPATIALDOMAINCONTAINER")
    o.group("HORIZONTALSPATIALDOMAINCONTAINER")
    o.group("GPOLYGON")
    o.container("GPOLYGONCONTAINER", "1")
    o.group("GRINGPOINT", CLASS='"1"')
    o.obj("GRINGPOINTLONGITUDE", lons, klass="1")
    o.obj("GRINGPOINTLATITUDE", lats, klass="1")
    o.obj("GRINGPOINTSEQUENCENO", [1, 2, 3, 4], klass="1")
    o.end_group("GRINGPOINT")
    o.group("GRING", CLASS='"1"')
    o.obj("EXCLUSIONGRINGFLAG", "N", klass="1")
    o.end_group("GRING")
    o.end_container("GPOLYGONCONTAINER")
    o.end_group("GPOLYGON")
    o.end_group("HORIZONTALSPATIALDOMAINCONTAINER")
    o.end_group("SPATIALDOMAINCONTAINER")
    o.group("RANGEDATETIME")
    o.obj("RANGEENDINGDATE", day)
    o.obj("RANGEENDINGTIME", "23:59:59")
    o.obj("RANGEBEGINNINGDATE", day)
    o.obj("RANGEBEGINNINGTIME", "00:00:00")
    o.end_group("RANGEDATETIME")
    o.group("PGEVERSIONCLASS")
    o.obj("PGEVERSION", f"thermoquake-synth-{SYNTH_VERSION}")
    o.end_group("PGEVERSIONCLASS")
    o.group("ASSOCIATEDPLATFORMINSTRUMENTSENSOR")
    o.container("ASSOCIATEDPLATFORMINSTRUMENTSENSORCONTAINER", "1")
    o.obj("ASSOCIATEDSENSORSHORTNAME", "MODIS", klass="1")
    o.obj("ASSOCIATEDPLATFORMSHORTNAME", product.platform, klass="1")
    o.obj("ASSOCIATEDINSTRUMENTSHORTNAME", "MODIS", klass="1")
    o.end_container("ASSOCIATEDPLATFORMINSTRUMENTSENSORCONTAINER")
    o.end_group("ASSOCIATEDPLATFORMINSTRUMENTSENSOR")
    _additional_attributes(
        o,
        [
            ("QAPERCENTGOODQUALITY", str(qa.good)),
            ("QAPERCENTOTHERQUALITY", str(qa.other)),
            ("QAPERCENTNOTPRODUCEDCLOUD", str(qa.cloud)),
            ("QAPERCENTNOTPRODUCEDOTHER", str(qa.not_produced)),
            ("HORIZONTALTILENUMBER", f"{granule.h:02d}"),
            ("VERTICALTILENUMBER", f"{granule.v:02d}"),
            ("TileID", f"51{granule.h:03d}{granule.v:03d}"),
            ("SYNTHETIC", "TRUE"),
            ("SYNTHETICGENERATOR", f"{GENERATOR} {SYNTH_VERSION}"),
            ("SYNTHETICSEED", str(seed)),
        ],
    )
    o.end_group("INVENTORYMETADATA")
    return o.text()


def _additional_attributes(o: _Odl, pairs: Sequence[tuple[str, str]]) -> None:
    o.group("ADDITIONALATTRIBUTES")
    for i, (name, value) in enumerate(pairs, start=1):
        klass = str(i)
        o.container("ADDITIONALATTRIBUTESCONTAINER", klass)
        o.obj("ADDITIONALATTRIBUTENAME", name, klass=klass)
        o.group("INFORMATIONCONTENT", CLASS=f'"{klass}"')
        o.obj("PARAMETERVALUE", value, klass=klass)
        o.end_group("INFORMATIONCONTENT")
        o.end_container("ADDITIONALATTRIBUTESCONTAINER")
    o.end_group("ADDITIONALATTRIBUTES")


def archive_metadata(granule: GranuleName) -> str:
    """``ArchiveMetadata.0``: tile numbers, algorithm (thermoquake synth), SYNTHETIC long name."""
    platform = LST_PRODUCTS[granule.product].platform
    o = _Odl()
    o.group("ARCHIVEDMETADATA", GROUPTYPE="MASTERGROUP")
    o.group("TILEINFO")
    o.obj("HORIZONTALTILENUMBER", f"{granule.h:02d}")
    o.obj("VERTICALTILENUMBER", f"{granule.v:02d}")
    o.end_group("TILEINFO")
    o.group("ALGORITHMPACKAGE")
    o.obj("ALGORITHMPACKAGEMATURITYCODE", "SYNTHETIC")
    o.obj("ALGORITHMPACKAGENAME", GENERATOR)
    o.obj("ALGORITHMPACKAGEVERSION", SYNTH_VERSION)
    o.end_group("ALGORITHMPACKAGE")
    o.group("PROJECT")
    o.obj(
        "LONGNAME",
        f"SYNTHETIC imitation of MODIS/{platform} Land Surface Temperature/Emissivity "
        "Daily L3 Global 1km SIN Grid, made by thermoquake",
    )
    o.obj("INSTRUMENTNAME", "none: SYNTHETIC data")
    o.end_group("PROJECT")
    o.end_group("ARCHIVEDMETADATA")
    return o.text()
