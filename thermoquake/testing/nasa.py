"""A local stand-in for NASA's services, on 127.0.0.1, for tests and the demo.

One threaded ``http.server`` on one port answers as three origins (told apart by the
``Host`` header, so credentials scoped by origin behave as they do against NASA):

* **LP DAAC Data Pool** at ``http://127.0.0.1:<port>``: ``/<MOLA|MOLT>/<PRODUCT>.<CCC>/YYYY.MM.DD/``
  directory listings (each ``.hdf`` with its ``.xml`` and a browse ``.jpg`` link), the
  granules, and beside each the ECS metadata ``<granule>.xml`` publishing its ``CKSUM``
  checksum and size. A granule needs a session cookie or a bearer token; without either
  the answer is a 302 to Earthdata Login.
* **CMR granule search** at the same origin: ``/search/granules.json`` and
  ``/search/granules.umm_json`` with ``short_name``, ``version``, ``temporal[]``
  (``start,end``, ISO 8601, any of them), ``readable_granule_name`` (with
  ``options[readable_granule_name][pattern]=true``: ``*`` and ``?`` wildcards) and
  ``page_size`` (at most 2000); further pages with the ``CMR-Search-After`` header, as CMR
  does. ``CMR-Hits`` gives the total. Items carry ``GranuleUR``, the data URL
  (``RelatedUrls`` type ``GET DATA``), ``SizeInBytes`` and an ``MD5`` checksum. Parameters it
  does not know are answered 400 (never silently ignored).
* **Earthdata Login** at ``http://localhost:<port>``: HTTP Basic checked at
  ``/oauth/authorize``, then a 302 back to the Data Pool's ``/oauth/callback``, which sets
  the session cookie and redirects to the granule.

Faults: ``missing`` (granule names or name prefixes left out of listings, the catalogue and
the data paths), ``bad_checksum`` (name -> how many times the granule is served with one
byte changed, same length, so it still opens but fails its checksum), ``delay_s`` (seconds
to wait before answering each granule request). Every request is logged.

The granules served are whatever MODIS-named ``.hdf`` files the given directory holds
(``thermoquake synth study`` writes SYNTHETIC ones); nothing here is NASA data.
"""

from __future__ import annotations

import base64
import datetime as dt
import fnmatch
import json
import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

from thermoquake.errors import ThermoquakeError
from thermoquake.fetch.checksum import file_checksum
from thermoquake.study.granules import PLATFORM_FOLDERS
from thermoquake.modis.naming import GranuleName, is_granule_name, parse_granule_name

USERNAME = "demo-user"
PASSWORD = "throw-away-password"
TOKEN = "throw-away-token"
"""Throw-away credentials the stand-in accepts (never real Earthdata ones)."""
SESSION_COOKIE = "DATAPOOL=standin"
log = logging.getLogger(__name__)
MAX_PAGE_SIZE = 2000
_CMR_PARAMS = {"short_name", "version", "temporal", "temporal[]", "readable_granule_name",
               "readable_granule_name[]", "options[readable_granule_name][pattern]", "page_size",
               "sort_key", "sort_key[]", "provider"}


@dataclass(frozen=True)
class Granule:
    """One served granule: its name, where its bytes are, their size (bytes) and checksums."""

    name: GranuleName
    path: Path
    size: int
    md5: str
    cksum: str

    @property
    def data_path(self) -> str:
        """URL path in the Data Pool layout."""
        n = self.name
        return f"/{PLATFORM_FOLDERS[n.product[:3]]}/{n.product}.{n.collection}/{n.date:%Y.%m.%d}/{n.filename}"

    @property
    def granule_ur(self) -> str:
        """CMR's GranuleUR (LP DAAC: the file name without ``.hdf``)."""
        return self.name.filename.removesuffix(".hdf")


@dataclass
class Request:
    """A logged request: which origin (``data``, ``cmr``, ``auth``), the path with its query, headers."""

    role: str
    path: str
    headers: dict[str, str]


class NasaStandIn:
    """The stand-in (see the module docstring). Use as a context manager or start()/stop().

    Args:
        hdf_dir: folder whose MODIS-named ``.hdf`` files are served (searched recursively).
        port: TCP port on 127.0.0.1 (0: a free one).
        missing: granule names or name prefixes (e.g. ``MYD11A1.A2008130.h26v05``) to withhold.
        bad_checksum: granule name or prefix -> times it is served damaged before it is served whole.
        delay_s: seconds to wait before answering each granule download.
        username, password, token: the credentials accepted.
    """

    def __init__(
        self,
        hdf_dir: str | os.PathLike[str],
        port: int = 0,
        *,
        missing: Iterable[str] = (),
        bad_checksum: Mapping[str, int] | None = None,
        delay_s: float = 0.0,
        username: str = USERNAME,
        password: str = PASSWORD,
        token: str = TOKEN,
    ) -> None:
        self.hdf_dir = Path(hdf_dir)
        if not self.hdf_dir.is_dir():
            raise ThermoquakeError("is not a directory of granules", self.hdf_dir)
        self.port = port
        self.missing = tuple(missing)
        self._bad = dict(bad_checksum or {})
        self.delay_s = float(delay_s)
        self.username, self.password, self.token = username, password, token
        self.log: list[Request] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.granules: dict[str, Granule] = {}
        for path in sorted(self.hdf_dir.rglob("*.hdf")):
            if not is_granule_name(path) or self._withheld(path.name):
                continue
            g = Granule(parse_granule_name(path), path, path.stat().st_size,
                        file_checksum(path, "MD5"), file_checksum(path, "CKSUM"))
            self.granules[g.data_path] = g
        self._sorted = sorted(self.granules.values(), key=lambda g: (g.name.date, g.name.tile, g.name.filename))

    def _withheld(self, filename: str) -> bool:
        return any(filename.startswith(m) for m in self.missing)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> "NasaStandIn":
        """Start serving in a background thread; :attr:`url` and :attr:`auth_url` are then set."""
        try:
            server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        except OSError as err:
            raise ThermoquakeError(f"cannot listen on 127.0.0.1:{self.port}: {err.strerror or err} "
                                   "(another stand-in still running? pick another --port)") from None
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self._server = server
        self.port = server.server_address[1]
        return self

    @property
    def url(self) -> str:
        """Data Pool and CMR origin."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def auth_url(self) -> str:
        """Earthdata Login origin (same port, another host name)."""
        return f"http://localhost:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "NasaStandIn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def requests(self, role: str, path_part: str = "") -> list[Request]:
        """Logged requests to one origin (``data``, ``cmr`` or ``auth``) whose path contains ``path_part``."""
        with self._lock:
            return [r for r in self.log if r.role == role and path_part in r.path]

    # -- handlers -----------------------------------------------------------------------------

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                host = self.headers.get("Host", "").split(":")[0].lower()
                path = urlsplit(self.path).path
                role = "auth" if host == "localhost" else ("cmr" if path.startswith("/search/") else "data")
                with standin._lock:
                    standin.log.append(Request(role, self.path, dict(self.headers.items())))
                try:
                    {"auth": standin._auth, "cmr": standin._cmr, "data": standin._data}[role](self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler

    def _auth(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        if url.path != "/oauth/authorize":
            return _send(h, 404, b"not found")
        expected = "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        if h.headers.get("Authorization") != expected:
            return _send(h, 401, b"<html>Earthdata Login</html>", "text/html",
                         {"WWW-Authenticate": 'Basic realm="Please enter your Earthdata Login credentials"'})
        query = parse_qs(url.query)
        target = f"{query['redirect_uri'][0]}?code=goodcode&state={quote(query['state'][0])}"
        _send(h, 302, b"", headers={"Location": target})

    def _data(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        path = url.path
        if path == "/oauth/callback":
            query = parse_qs(url.query)
            if query.get("code") != ["goodcode"]:
                return _send(h, 401, b"bad code")
            return _send(h, 302, b"", headers={"Location": self.url + query["state"][0],
                                               "Set-Cookie": f"{SESSION_COOKIE}; Path=/"})
        if path.endswith("/"):
            return self._listing(h, path)
        granule = self.granules.get(path.removesuffix(".xml"))
        if granule is None:
            return _send(h, 404, b"not found")
        if path.endswith(".xml"):
            return _send(h, 200, _ecs_xml(granule).encode(), "text/xml")
        authorized = (SESSION_COOKIE in h.headers.get("Cookie", "")
                      or h.headers.get("Authorization") == f"Bearer {self.token}")
        if not authorized:
            login = (f"{self.auth_url}/oauth/authorize?client_id=standin&response_type=code"
                     f"&redirect_uri={quote(self.url + '/oauth/callback', safe='')}"
                     f"&state={quote(path, safe='')}")
            return _send(h, 302, b"", headers={"Location": login})
        if self.delay_s:
            time.sleep(self.delay_s)
        data = granule.path.read_bytes()
        with self._lock:
            key = next((k for k in self._bad if granule.name.filename.startswith(k) and self._bad[k] > 0), None)
            if key is not None:
                self._bad[key] -= 1
        if key is not None:
            log.warning("served a damaged copy of %s (checksum fault)", granule.name.filename)
            damaged = bytearray(data)
            damaged[len(data) // 2] ^= 0xFF
            data = bytes(damaged)
        rng = h.headers.get("Range")
        if rng:
            start = int(rng.removeprefix("bytes=").split("-")[0])
            if start >= len(data):
                return _send(h, 416, b"", headers={"Content-Range": f"bytes */{len(data)}"})
            return _send(h, 206, data[start:], "application/x-hdf",
                         {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"})
        _send(h, 200, data, "application/x-hdf")

    def _listing(self, h: BaseHTTPRequestHandler, path: str) -> None:
        names = sorted(p[len(path):] for p in self.granules if p.startswith(path) and "/" not in p[len(path):])
        if not names:
            return _send(h, 404, b"not found")
        rows = []
        for name in names:
            for link in (name, name + ".xml", "BROWSE." + name.replace(".hdf", ".1.jpg")):
                rows.append(f'<tr><td><a href="{link}">{link}</a></td><td>2021-10-18 12:00</td></tr>\n')
        page = f"<html><body><h1>Index of {path}</h1><table>\n{''.join(rows)}</table></body></html>"
        _send(h, 200, page.encode(), "text/html")

    def _cmr(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        if url.path not in ("/search/granules.json", "/search/granules.umm_json"):
            return _cmr_error(h, 404, f"{url.path} is not a CMR search this stand-in answers")
        query = parse_qs(url.query, keep_blank_values=True)
        unknown = sorted(set(query) - _CMR_PARAMS)
        if unknown:
            return _cmr_error(h, 400, f"Parameter [{unknown[0]}] was not recognized.")
        try:
            matches = self._search(query)
        except ValueError as err:
            return _cmr_error(h, 400, str(err))
        size = int(query.get("page_size", ["10"])[0])
        if not 0 <= size <= MAX_PAGE_SIZE:
            return _cmr_error(h, 400, f"page_size must be a number between 0 and {MAX_PAGE_SIZE}")
        after = h.headers.get("CMR-Search-After")
        start = int(json.loads(after)[0]) if after else 0
        page = matches[start:start + size]
        headers = {"CMR-Hits": str(len(matches))}
        if page and start + size < len(matches):
            headers["CMR-Search-After"] = json.dumps([start + size])
        if url.path.endswith(".umm_json"):
            body = {"hits": len(matches), "took": 1, "items": [self._umm(g) for g in page]}
            ctype = "application/vnd.nasa.cmr.umm_results+json"
        else:
            body = {"feed": {"entry": [self._entry(g) for g in page]}}
            ctype = "application/json"
        _send(h, 200, json.dumps(body).encode(), ctype, headers)

    def _search(self, query: dict[str, list[str]]) -> list[Granule]:
        short = query.get("short_name", [None])[0]
        version = query.get("version", [None])[0]
        patterns = query.get("readable_granule_name", []) + query.get("readable_granule_name[]", [])
        wildcard = query.get("options[readable_granule_name][pattern]", ["false"])[0] == "true"
        ranges = [_temporal(t) for t in query.get("temporal", []) + query.get("temporal[]", [])]
        out = []
        for g in self._sorted:
            n = g.name
            if short and n.product != short or version and n.collection != version:
                continue
            if patterns and not any(fnmatch.fnmatchcase(g.granule_ur, p) if wildcard else g.granule_ur == p
                                    for p in patterns):
                continue
            day_start = dt.datetime.combine(n.date, dt.time(), dt.timezone.utc)
            day_end = day_start + dt.timedelta(days=1)
            if ranges and not any(a < day_end and day_start <= b for a, b in ranges):
                continue
            out.append(g)
        return out

    def _umm(self, g: Granule) -> dict:
        day = dt.datetime.combine(g.name.date, dt.time(), dt.timezone.utc)
        return {
            "meta": {"concept-id": f"G{int(g.md5[:8], 16)}-STANDIN", "provider-id": "LPCLOUD",
                     "native-id": g.granule_ur},
            "umm": {
                "GranuleUR": g.granule_ur,
                "CollectionReference": {"ShortName": g.name.product, "Version": g.name.collection},
                "TemporalExtent": {"RangeDateTime": {
                    "BeginningDateTime": day.isoformat().replace("+00:00", ".000Z"),
                    "EndingDateTime": (day + dt.timedelta(days=1) - dt.timedelta(seconds=1)).isoformat()
                    .replace("+00:00", ".000Z")}},
                "DataGranule": {"ArchiveAndDistributionInformation": [
                    {"Name": g.name.filename, "SizeInBytes": g.size, "Size": round(g.size / 2**20, 6),
                     "SizeUnit": "MB", "Checksum": {"Value": g.md5, "Algorithm": "MD5"}},
                    {"Name": g.name.filename + ".xml", "SizeInBytes": len(_ecs_xml(g).encode()),
                     "SizeUnit": "NA"},
                ]},
                "RelatedUrls": [
                    {"URL": self.url + g.data_path, "Type": "GET DATA",
                     "Description": "Download " + g.name.filename},
                    {"URL": self.url + g.data_path + ".xml", "Type": "EXTENDED METADATA"},
                ],
            },
        }

    def _entry(self, g: Granule) -> dict:
        return {"title": g.granule_ur, "producer_granule_id": g.name.filename,
                "granule_size": f"{g.size / 2**20:.6f}", "time_start": f"{g.name.date}T00:00:00.000Z",
                "links": [{"rel": "http://esipfed.org/ns/fedsearch/1.1/data#", "href": self.url + g.data_path}]}


def _temporal(text: str) -> tuple[dt.datetime, dt.datetime]:
    parts = text.split(",")
    if len(parts) != 2:
        raise ValueError(f"temporal {text!r} is not start,end")
    try:
        a, b = (dt.datetime.fromisoformat(p.strip().replace("Z", "+00:00")) for p in parts)
    except ValueError:
        raise ValueError(f"temporal {text!r} is not two ISO 8601 times") from None
    a, b = (t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc) for t in (a, b))
    return a, b


def _ecs_xml(g: Granule) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<GranuleMetaDataFile><GranuleURMetaData>'
        f"<GranuleUR>{g.granule_ur}</GranuleUR><DataFiles><DataFileContainer>"
        f"<DistributedFileName>{g.name.filename}</DistributedFileName><FileSize>{g.size}</FileSize>"
        f"<ChecksumType>CKSUM</ChecksumType><Checksum>{g.cksum}</Checksum>"
        "</DataFileContainer></DataFiles></GranuleURMetaData></GranuleMetaDataFile>\n"
    )


def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, ctype: str = "text/plain",
          headers: Mapping[str, str] | None = None) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        h.send_header(key, value)
    h.end_headers()
    h.wfile.write(body)


def _cmr_error(h: BaseHTTPRequestHandler, status: int, message: str) -> None:
    _send(h, status, json.dumps({"errors": [message]}).encode(), "application/json")

