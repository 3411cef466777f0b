"""Data Pool directory listings: which granule files a date's directory holds."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from thermoquake.modis.naming import GranuleName, is_granule_name, parse_granule_name


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            for name, value in attrs:
                if name == "href" and value:
                    self.hrefs.append(value)


def granule_files(html: str) -> list[GranuleName]:
    """MODIS granule (``.hdf``) names linked from an HTML directory listing (no .xml, .jpg)."""
    parser = _Links()
    parser.feed(html)
    names = set()
    for href in parser.hrefs:
        name = unquote(urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1])
        if is_granule_name(name):
            names.add(parse_granule_name(name))
    return sorted(names)


def pick_granule(
    names: list[GranuleName], product: str, collection: str, tile: str, date
) -> GranuleName | None:
    """Granule of ``product.collection`` for ``tile`` on ``date`` (latest production if several)."""
    matches = [
        n
        for n in names
        if n.product == product and n.collection == collection and n.tile == tile and n.date == date
    ]
    return max(matches, key=lambda n: n.production) if matches else None
