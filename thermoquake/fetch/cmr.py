"""Find granules through NASA's Common Metadata Repository (CMR) granule search.

``GET <cmr>/search/granules.umm_json`` with ``short_name`` (e.g. ``MYD11A1``), ``version``
(the collection, e.g. ``061``), ``temporal[]`` (``start,end``, UTC) and the tile as a
``readable_granule_name`` pattern (``MYD11A1.A*.h26v05.061.*``); up to 2000 granules a
page, further pages asked for with the ``CMR-Search-After`` header CMR returns. Each item
gives the granule's file name, its download URL (``RelatedUrls`` of type ``GET DATA``),
its size in bytes and, where LP DAAC publishes one, its checksum
(``DataGranule.ArchiveAndDistributionInformation``). The search needs no credentials.

:func:`look_up` turns manifest rows into rows carrying that URL, size and checksum, and
the rows the catalogue has no granule for.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import requests

from thermoquake.errors import ThermoquakeError
from thermoquake.fetch.checksum import ChecksumError, algorithm_of
from thermoquake.study.granules import GranuleRow
from thermoquake.modis.naming import GranuleName, is_granule_name, parse_granule_name

DEFAULT_CMR_URL = "https://cmr.earthdata.nasa.gov"
"""NASA's CMR (production)."""
PAGE_SIZE = 2000
"""CMR's largest page."""
USER_AGENT = "thermoquake-cmr (+requests)"


class CmrError(ThermoquakeError):
    """The catalogue could not be searched, or answered something that is not a CMR result."""


@dataclass(frozen=True)
class CatalogueGranule:
    """One granule as the catalogue describes it.

    Attributes:
        name: the granule's file name, parsed.
        url: download URL (``GET DATA``).
        size: bytes, or None if not published.
        checksum_type: e.g. ``MD5``, or None.
        checksum: the published value, or None.
    """

    name: GranuleName
    url: str
    size: int | None
    checksum_type: str | None
    checksum: str | None


def search_granules(
    cmr_url: str,
    short_name: str,
    version: str,
    start: dt.date,
    end: dt.date,
    tile: str | None = None,
    *,
    session: requests.Session | None = None,
    timeout_s: float = 60.0,
    retries: int = 3,
    backoff_s: float = 2.0,
    page_size: int = PAGE_SIZE,
    sleep: Callable[[float], None] = time.sleep,
) -> list[CatalogueGranule]:
    """Every granule of ``short_name.version`` from UTC day ``start`` to ``end`` (both
    included), of one tile (``hHHvVV``) if given; all pages. Connection errors, HTTP 429 and
    5xx are retried ``retries`` times (back-off doubling from ``backoff_s`` s).

    Raises:
        CmrError: the search failed (one line naming the URL) or the answer is not CMR's.
    """
    url = f"{cmr_url.rstrip('/')}/search/granules.umm_json"
    params: list[tuple[str, str]] = [
        ("short_name", short_name),
        ("version", version),
        ("temporal[]", f"{start:%Y-%m-%d}T00:00:00Z,{end:%Y-%m-%d}T23:59:59Z"),
        ("page_size", str(page_size)),
    ]
    if tile is not None:
        params += [("readable_granule_name", f"{short_name}.A*.{tile}.{version}.*"),
                   ("options[readable_granule_name][pattern]", "true")]
    own = session is None
    session = session or requests.Session()
    session.headers.setdefault("User-Agent", USER_AGENT)
    out: list[CatalogueGranule] = []
    after: str | None = None
    try:
        while True:
            body, after = _page(session, url, params, after, timeout_s, retries, backoff_s, sleep)
            items = body.get("items")
            if not isinstance(items, list):
                raise CmrError("answered without an items list: not a CMR umm_json result", url)
            for item in items:
                granule = _granule(item, url)
                if granule is not None:
                    out.append(granule)
            if not after or not items:
                return out
    finally:
        if own:
            session.close()


def _page(session, url, params, after, timeout_s, retries, backoff_s, sleep) -> tuple[dict, str | None]:
    headers = {"Accept": "application/json"}
    if after:
        headers["CMR-Search-After"] = after
    attempt = 0
    while True:
        problem = None
        try:
            response = session.get(url, params=params, headers=headers, timeout=timeout_s)
        except (requests.ConnectionError, requests.Timeout) as err:
            problem = f"{type(err).__name__} searching the catalogue"
        else:
            if response.status_code == 429 or response.status_code >= 500:
                problem = f"HTTP {response.status_code}"
            elif response.status_code != 200:
                raise CmrError(f"search refused (HTTP {response.status_code}): {_errors(response)}", url)
            else:
                try:
                    body = response.json()
                except ValueError:
                    raise CmrError("answered something that is not JSON: not a CMR search", url) from None
                if not isinstance(body, dict):
                    raise CmrError("answered JSON that is not a CMR result", url)
                return body, response.headers.get("CMR-Search-After")
        attempt += 1
        if attempt > retries:
            raise CmrError(f"gave up after {attempt} attempts: {problem} (--no-cmr lists the "
                           "Data Pool's directories instead)", url)
        sleep(min(backoff_s * 2 ** (attempt - 1), 60.0))


def _errors(response: requests.Response) -> str:
    try:
        errors = response.json().get("errors")
        if isinstance(errors, list) and errors:
            return "; ".join(str(e) for e in errors)[:300]
    except (ValueError, AttributeError):
        pass
    return " ".join(response.text.split())[:200] or "no message"


def _granule(item: object, source: str) -> CatalogueGranule | None:
    """A CMR umm_json item as a :class:`CatalogueGranule`; None for an item that is not a
    MODIS granule file (no ``.hdf`` among its files)."""
    umm = item.get("umm") if isinstance(item, dict) else None
    if not isinstance(umm, dict):
        raise CmrError("answered an item without umm metadata", source)
    files = (umm.get("DataGranule") or {}).get("ArchiveAndDistributionInformation") or []
    urls = [u.get("URL") for u in umm.get("RelatedUrls") or []
            if isinstance(u, dict) and u.get("Type") == "GET DATA" and isinstance(u.get("URL"), str)]
    by_name = {unquote(urlsplit(u).path.rsplit("/", 1)[-1]): u for u in urls}
    for info in files:
        if not isinstance(info, dict) or not is_granule_name(str(info.get("Name", ""))):
            continue
        name = info["Name"]
        url = by_name.get(name)
        if url is None:
            raise CmrError(f"granule {umm.get('GranuleUR')} has no GET DATA URL for {name}", source)
        size = info.get("SizeInBytes")
        checksum = info.get("Checksum") if isinstance(info.get("Checksum"), dict) else {}
        kind, value = checksum.get("Algorithm"), checksum.get("Value")
        if kind and value and not _known_algorithm(str(kind)):
            kind = value = None                  # one this version cannot compute: fetch reads the .xml
        return CatalogueGranule(parse_granule_name(name), url,
                                size if isinstance(size, int) and size >= 0 else None,
                                str(kind) if kind and value else None, str(value) if kind and value else None)
    for name, url in by_name.items():            # no file information: the URL alone
        if is_granule_name(name):
            return CatalogueGranule(parse_granule_name(name), url, None, None, None)
    return None


def _known_algorithm(kind: str) -> bool:
    try:
        algorithm_of(kind)
    except ChecksumError:
        return False
    return True


def look_up(
    rows: list[GranuleRow], cmr_url: str = DEFAULT_CMR_URL, **search: object
) -> tuple[list[GranuleRow], list[GranuleRow]]:
    """``(found, missing)``: each row with the catalogue's URL, size and checksum (its
    directory becomes the URL's), and the rows the catalogue has no granule for.

    One search per product, collection, tile and calendar year, from the first to the last
    date needed that year; the latest production wins where a date has several granules.
    ``search`` goes to :func:`search_granules` (``timeout_s``, ``retries``, ...).
    """
    groups: dict[tuple[str, str, str, int], list[GranuleRow]] = defaultdict(list)
    for row in rows:
        groups[(row.product, row.collection, row.tile, row.date.year)].append(row)
    best: dict[tuple[str, str, str, dt.date], CatalogueGranule] = {}
    session = requests.Session()
    try:
        for (product, collection, tile, _), members in sorted(groups.items()):
            found = search_granules(cmr_url, product, collection, min(r.date for r in members),
                                    max(r.date for r in members), tile, session=session, **search)
            for g in found:
                key = (g.name.product, g.name.collection, g.name.tile, g.name.date)
                if key not in best or g.name.production > best[key].name.production:
                    best[key] = g
    finally:
        session.close()
    out, missing = [], []
    for row in rows:
        g = best.get((row.product, row.collection, row.tile, row.date))
        if g is None:
            missing.append(row)
            continue
        out.append(dataclasses.replace(row, directory=g.url.rsplit("/", 1)[0] + "/", url=g.url,
                                       size=g.size, checksum_type=g.checksum_type, checksum=g.checksum))
    return out, missing
