"""Download the granules of a manifest: list, resume, retry, verify, rename.

For each manifest row:

1. a verified file with the granule's name prefix already in ``dest`` -> ``present`` (no network);
2. a row with a ``url`` from NASA's catalogue (``manifest --cmr``) is downloaded from it;
   otherwise the date's Data Pool directory listing (fetched once per directory) gives
   the file name (production time is not known in advance); not listed -> ``missing``;
3. the file is streamed into ``.<name>.tmp-partial`` in ``dest``; a partial
   file left by an earlier try or run is resumed with an HTTP ``Range``
   request; connection errors, truncated bodies, HTTP 429 and 5xx are
   retried with exponential back-off;
4. the partial file is checked (size from the HTTP headers, HDF4 signature,
   pyhdf opens it, and the checksum and size that the catalogue gave the
   manifest or, without them, that the granule's Data Pool ``.xml`` publishes) and only then renamed to its final name. A file that
   fails the check is deleted (and downloaded once more from scratch if it
   had been resumed or failed the checksum). The published checksum is
   recorded as ``<granule>.verified.json`` (:mod:`thermoquake.fetch.checksum`);
   where the Data Pool has no ``.xml`` (HTTP 404), nothing is recorded.

A present file with such a record is checked against it again (no network).

HTTP 401/403 stops the whole run: the credentials are missing or refused.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
import urllib3

from thermoquake.atomic import DISK_FULL_ERRNOS, TEMP_MARKER
from thermoquake.fetch.auth import AuthError, Credentials, netrc_machine
from thermoquake.fetch.checksum import (
    ChecksumError, Sidecar, check_file, parse_datapool_xml, read_sidecar, sidecar_path, write_sidecar,
)
from thermoquake.fetch.http import EarthdataSession
from thermoquake.fetch.listing import granule_files, pick_granule
from thermoquake.fetch.verify import verify_hdf4
from thermoquake.study.granules import GranuleRow, datapool_directory
from thermoquake.modis.naming import is_granule_name, parse_granule_name

STATUSES = ("downloaded", "present", "missing", "failed", "pending")
"""``pending`` only comes from :func:`plan` (a dry run): not present, would be downloaded."""
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
MAX_METADATA_BYTES = 1 << 20
"""A granule's ``.xml`` is a few kB; a longer answer is refused."""


@dataclass(frozen=True)
class FetchSettings:
    """How to fetch.

    Attributes:
        dest: folder the granules go to (flat; created if needed).
        workers: parallel downloads.
        retries: further attempts after a transient failure (per file and per listing).
        backoff_s: wait before the first retry, s; doubles each retry up to ``max_backoff_s``.
        max_backoff_s: longest wait between attempts, s.
        timeout_s: connect and read timeout, s; also the window over which the transfer
            rate is checked.
        min_rate: slowest acceptable transfer, bytes/s, averaged over each ``timeout_s``
            window of a listing or file body; a slower server (one byte a second never
            trips a read timeout) is cut off, retried and finally reported. 0 disables it.
        chunk_bytes: read size while streaming.
        base_url: if set, rebuild each row's directory from this Data Pool root
            instead of using the manifest's ``directory``.
    """

    dest: Path
    workers: int = 4
    retries: int = 5
    backoff_s: float = 2.0
    max_backoff_s: float = 60.0
    timeout_s: float = 60.0
    min_rate: float = 1024.0
    chunk_bytes: int = 1 << 16
    base_url: str | None = None

    def directory(self, row: GranuleRow) -> str:
        if self.base_url:
            return datapool_directory(self.base_url, row.product, row.collection, row.date)
        return row.directory

    def wait(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        delay = min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s)
        if retry_after is not None:
            delay = min(max(delay, retry_after), self.max_backoff_s)
        return delay


@dataclass(frozen=True)
class Outcome:
    """What happened to one granule.

    Attributes:
        row: the manifest row.
        status: one of :data:`STATUSES`.
        path: the final file (downloaded or present), else None.
        received: bytes received in this run.
        message: why it is missing or failed ("" otherwise).
    """

    row: GranuleRow
    status: str
    path: Path | None = None
    received: int = 0
    message: str = ""


class _Transient(Exception):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class _NotFound(Exception):
    pass


class _Failed(Exception):
    pass


def partial_path(final: Path) -> Path:
    """Where ``final`` is assembled: ``.<name>.tmp-partial`` beside it (directory scans skip it)."""
    return final.with_name(f".{final.name}{TEMP_MARKER}partial")


def local_granule(dest: Path, row: GranuleRow) -> Path | None:
    """The file in ``dest`` for ``row`` (latest production if several), or None."""
    if not dest.is_dir():
        return None
    found = [p for p in dest.glob(f"{row.name_prefix}*.hdf") if is_granule_name(p.name)]
    if not found:
        return None
    return max(found, key=lambda p: parse_granule_name(p.name).production)


def manifest_rows(manifest: str | os.PathLike[str] | Sequence[GranuleRow], dest: str | os.PathLike[str]
                  ) -> list[GranuleRow]:
    """The rows of the manifest CSV ``manifest`` (or the rows given) that are fetched into
    ``dest``. A ``dest`` that is the manifest file is refused
    (:class:`thermoquake.outputs.OutputIsInputError`) before the manifest is read."""
    from thermoquake.outputs import refuse_outputs_over_inputs
    from thermoquake.study.granules import read_manifest

    if not isinstance(manifest, (str, os.PathLike)):
        return list(manifest)
    refuse_outputs_over_inputs({"dest": dest}, {"manifest": manifest})
    return read_manifest(manifest)


def plan(rows: list[GranuleRow], dest: Path) -> list[Outcome]:
    """Dry run, no network: ``present`` (a verified local file), ``failed`` (a local file that
    is not valid HDF4, or no longer matches its recorded checksum) or ``pending`` (would be
    downloaded) for each row."""
    out = []
    for row in rows:
        path = local_granule(dest, row)
        reason = None if path is None else verify_hdf4(path) or _recorded_checksum_problem(path)
        if path is not None and reason is None:
            out.append(Outcome(row, "present", path))
        elif path is not None:
            out.append(Outcome(row, "failed", path, message=f"{path.name} is not usable ({reason})"))
        else:
            out.append(Outcome(row, "pending"))
    return out


class _Listings:
    """Directory listings, fetched once per directory (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._results: dict[str, object] = {}

    def get(self, url: str, load: Callable[[], list]) -> list:
        with self._lock:
            lock = self._locks.setdefault(url, threading.Lock())
        with lock:
            if url not in self._results:
                try:
                    self._results[url] = load()
                except (_NotFound, _Failed) as err:
                    self._results[url] = err
            result = self._results[url]
        if isinstance(result, Exception):
            raise result
        return result


class Fetcher:
    """Downloads manifest rows into ``settings.dest`` (see the module docstring)."""

    def __init__(
        self,
        settings: FetchSettings,
        credentials: Credentials | None,
        auth_host: str,
        on_bytes: Callable[[int], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self.credentials = credentials
        self.auth_host = auth_host
        self.on_bytes = on_bytes or (lambda n: None)
        self.sleep = sleep
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()
        self._listings = _Listings()
        self._data_origins: set[str] = set()
        self.stop = threading.Event()
        self.stop_reason = ""

    # ------------------------------------------------------------------ public

    def run(
        self, rows: list[GranuleRow], on_done: Callable[[Outcome], None] | None = None
    ) -> list[Outcome]:
        """Fetch every row; outcomes in manifest order. Stops early on an authentication error."""
        self.settings.dest.mkdir(parents=True, exist_ok=True)
        self._data_origins = {self.settings.directory(r) for r in rows} | {r.url for r in rows if r.url}
        done = on_done or (lambda o: None)

        def task(row: GranuleRow) -> Outcome:
            outcome = self.fetch_one(row)
            done(outcome)
            return outcome

        try:
            with ThreadPoolExecutor(max_workers=max(1, self.settings.workers)) as pool:
                return list(pool.map(task, rows))
        finally:
            for session in self._sessions:
                session.close()

    def fetch_one(self, row: GranuleRow) -> Outcome:
        """Fetch one granule; never raises for per-file problems."""
        existing = local_granule(self.settings.dest, row)
        if existing is not None:
            reason = verify_hdf4(existing) or _recorded_checksum_problem(existing)
            if reason is None:
                return Outcome(row, "present", existing)
            return Outcome(
                row,
                "failed",
                existing,
                message=f"{existing} exists but is not usable ({reason}); delete it to fetch again",
            )
        if self.stop.is_set():
            return Outcome(row, "failed", message=f"not attempted: {self.stop_reason}")
        directory = self.settings.directory(row)
        received = [0]
        try:
            if row.url and not self.settings.base_url:
                url = row.url                       # from NASA's catalogue: no listing needed
                filename = url.rsplit("/", 1)[-1]
            else:
                names = self._listings.get(
                    directory, lambda: self._retrying(lambda: self._listing(directory))
                )
                name = pick_granule(names, row.product, row.collection, row.tile, row.date)
                if name is None:
                    return Outcome(
                        row,
                        "missing",
                        message=f"no {row.name_prefix}*.hdf in the listing of {directory}",
                    )
                filename = name.filename
                url = directory + filename
            final = self.settings.dest / filename
            self._download(url, final, received, _catalogue_checksum(row, url))
            return Outcome(row, "downloaded", final, received[0])
        except _NotFound as err:
            return Outcome(row, "missing", received=received[0], message=str(err))
        except _Failed as err:
            return Outcome(row, "failed", received=received[0], message=str(err))
        except AuthError as err:
            if not self.stop.is_set():
                self.stop_reason = str(err)
                self.stop.set()
            return Outcome(row, "failed", received=received[0], message=str(err))
        except OSError as err:
            if err.errno not in DISK_FULL_ERRNOS:
                raise
            # A full disk stops the whole run; the partial download stays (hidden, resumable).
            message = (f"{self.settings.dest}: cannot write: {os.strerror(err.errno)}; the partial "
                       "download is kept and resumes when fetch is run again with space")
            if not self.stop.is_set():
                self.stop_reason = message
                self.stop.set()
            return Outcome(row, "failed", received=received[0], message=message)

    # ----------------------------------------------------------------- helpers

    def _session(self) -> EarthdataSession:
        session = getattr(self._local, "session", None)
        if session is None:
            session = EarthdataSession(self.credentials, self.auth_host, self._data_origins)
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def _retrying(self, attempt_once: Callable[[], object]):
        attempt = 0
        while True:
            try:
                return attempt_once()
            except _Transient as err:
                attempt += 1
                if attempt > self.settings.retries:
                    raise _Failed(f"gave up after {attempt} attempts: {err}") from None
                self.sleep(self.settings.wait(attempt, err.retry_after))

    def _check_status(self, response: requests.Response, url: str) -> None:
        status = response.status_code
        if status in (401, 403):
            if self.credentials is None:
                hint = (
                    "no Earthdata Login credentials were found: put 'machine "
                    f"{netrc_machine(self.auth_host)} login USER password PASS' in ~/.netrc, or set "
                    "EARTHDATA_USERNAME and EARTHDATA_PASSWORD, or EARTHDATA_TOKEN"
                )
            else:
                hint = (
                    f"the credentials from {self.credentials.source} were refused "
                    "(wrong, expired, or the LP DAAC application is not authorised in your "
                    "Earthdata profile)"
                )
            raise AuthError(f"HTTP {status} from {urlsplit(response.url).hostname}: {hint}", url)
        if status == 404:
            raise _NotFound(f"HTTP 404: {url} does not exist")
        if status == 429 or status >= 500:
            raise _Transient(f"HTTP {status} from {url}", _retry_after(response))
        if status not in (200, 206):
            raise _Failed(f"HTTP {status} from {url}")

    def _listing(self, url: str) -> list:
        body = bytearray()
        try:
            with self._session().get(url, timeout=self.settings.timeout_s, stream=True) as response:
                self._check_status(response, url)
                self._stream(response, url, body.extend)
                encoding = response.encoding or "utf-8"
        except (requests.ConnectionError, requests.Timeout) as err:
            raise _Transient(f"{type(err).__name__} listing {url}") from None
        except requests.RequestException as err:
            raise _Failed(f"cannot list {url}: {err}") from None
        return granule_files(bytes(body).decode(encoding, errors="replace"))

    def _stream(self, response: requests.Response, url: str, write: Callable[[bytes], object]) -> None:
        """Copy a streamed body into ``write``; a body slower than ``min_rate`` over a
        ``timeout_s`` window, a read timeout or a broken connection is a transient failure."""
        window, floor = self.settings.timeout_s, self.settings.min_rate
        raw = response.raw
        start, got, total = time.monotonic(), 0, 0
        try:
            while chunk := raw.read1(self.settings.chunk_bytes):
                write(chunk)
                got += len(chunk)
                total += len(chunk)
                now = time.monotonic()
                if now - start >= window:
                    if floor and got < floor * (now - start):
                        raise _Transient(
                            f"{url} came at {got / (now - start):.0f} B/s, slower than "
                            f"{floor:.0f} B/s (after {total} bytes)"
                        )
                    start, got = now, 0
        except urllib3.exceptions.HTTPError as err:
            raise _Transient(f"{type(err).__name__} after {total} bytes of {url}") from None

    def _download(self, url: str, final: Path, received: list[int],
                  published: Sidecar | None = None) -> None:
        part = partial_path(final)
        if published is None:
            published = self._retrying(functools.partial(self._published_checksum, url, final.name))
        fresh_retry_used = False
        while True:
            resumed = [False]
            total = self._retrying(functools.partial(self._get_into, url, part, received, resumed))
            reason = verify_hdf4(part, total)
            if reason is None and published is not None:
                reason = check_file(part, published)
                resumed[0] = resumed[0] or reason is not None     # a damaged transfer: once more
            if reason is None:
                break
            part.unlink()
            if resumed[0] and not fresh_retry_used:
                fresh_retry_used = True
                continue
            raise _Failed(f"{final.name} was rejected after download: {reason}")
        with open(part, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(part, final)
        if published is not None:
            write_sidecar(final, published)

    def _published_checksum(self, url: str, filename: str) -> Sidecar | None:
        """The checksum the granule's Data Pool ``.xml`` publishes; None if there is no .xml."""
        xml_url = url + ".xml"
        body = bytearray()

        def keep(chunk: bytes) -> None:
            body.extend(chunk)
            if len(body) > MAX_METADATA_BYTES:
                raise _Failed(f"{xml_url} is longer than {MAX_METADATA_BYTES} bytes: not granule metadata")

        try:
            with self._session().get(xml_url, stream=True, timeout=self.settings.timeout_s) as resp:
                if resp.status_code == 404:
                    return None
                self._check_status(resp, xml_url)
                self._stream(resp, xml_url, keep)
        except (requests.ConnectionError, requests.Timeout) as err:
            raise _Transient(f"{type(err).__name__} reading {xml_url}") from None
        except requests.RequestException as err:
            raise _Failed(f"cannot read {xml_url}: {err}") from None
        try:
            return parse_datapool_xml(bytes(body), filename, xml_url)
        except ChecksumError as err:
            raise _Failed(f"cannot check {filename} against NASA's checksum: {err}") from None

    def _get_into(
        self, url: str, part: Path, received: list[int], resumed: list[bool]
    ) -> int | None:
        """One GET into ``part`` (resuming it); returns the expected full size (None if unknown)."""
        offset = part.stat().st_size if part.exists() else 0
        headers = {"Accept-Encoding": "identity"}  # byte counts must be those of the file
        if offset:
            headers["Range"] = f"bytes={offset}-"
        try:
            with self._session().get(
                url, headers=headers, stream=True, timeout=self.settings.timeout_s
            ) as resp:
                if resp.status_code == 416:
                    part.unlink(missing_ok=True)
                    raise _Transient(
                        f"the server refused to resume at byte {offset}; starting over"
                    )
                self._check_status(resp, url)
                if "text/html" in resp.headers.get("Content-Type", "").lower():
                    raise _Failed(
                        f"{url} returned an HTML page instead of the HDF file "
                        "(an Earthdata login or error page?)"
                    )
                if resp.status_code == 206:
                    match = _CONTENT_RANGE.fullmatch(resp.headers.get("Content-Range", "").strip())
                    if match is None or int(match[1]) != offset:
                        part.unlink(missing_ok=True)
                        raise _Transient(
                            f"unexpected Content-Range {resp.headers.get('Content-Range')!r}"
                        )
                    total = None if match[3] == "*" else int(match[3])
                    mode = "ab"
                    resumed[0] = resumed[0] or offset > 0
                else:
                    length = resp.headers.get("Content-Length")
                    total = int(length) if length and length.isdigit() else None
                    mode = "wb"
                with open(part, mode) as fh:
                    def write(chunk: bytes) -> None:
                        fh.write(chunk)
                        received[0] += len(chunk)
                        self.on_bytes(len(chunk))

                    self._stream(resp, url, write)
        except (
            requests.ConnectionError,
            requests.Timeout,
            requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as err:
            have = part.stat().st_size if part.exists() else 0
            raise _Transient(f"{type(err).__name__} after {have} bytes of {url}") from None
        except requests.RequestException as err:
            raise _Failed(f"cannot download {url}: {err}") from None
        size = part.stat().st_size
        if total is not None and size < total:
            raise _Transient(f"connection closed at {size} of {total} bytes of {url}")
        return total


def _catalogue_checksum(row: GranuleRow, url: str) -> Sidecar | None:
    """The checksum (and size) NASA's catalogue gave the manifest for this granule, if any."""
    if not (row.checksum_type and row.checksum) or (row.url and url != row.url):
        return None
    return Sidecar(row.checksum_type, row.checksum, f"NASA's catalogue (CMR) for {row.url}",
                   url.rsplit("/", 1)[-1], row.size)


def _recorded_checksum_problem(path: Path) -> str | None:
    """For a present file with a ``.verified.json`` record: what no longer matches it."""
    record = sidecar_path(path)
    if not record.exists():
        return None
    try:
        return check_file(path, read_sidecar(record))
    except ChecksumError as err:
        return str(err)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None


def fetch_granules(
    rows: list[GranuleRow],
    settings: FetchSettings,
    credentials: Credentials | None,
    auth_host: str,
    *,
    on_bytes: Callable[[int], None] | None = None,
    on_done: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Fetch ``rows`` (see the module docstring); one :class:`Outcome` per row, in order.
    ``settings.dest`` is locked (:func:`thermoquake.dirlock.lock_directory`) while it is written."""
    from thermoquake.dirlock import lock_directory

    with lock_directory(settings.dest, "download directory"):
        return Fetcher(settings, credentials, auth_host, on_bytes).run(rows, on_done)
