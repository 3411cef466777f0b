"""A local stand-in for the LP DAAC Data Pool and Earthdata Login, on 127.0.0.1 (for tests).

Two threaded ``http.server`` instances:

* the **data pool** at ``http://127.0.0.1:<port>``: Apache-style directory listings
  (``.hdf`` with their ``.xml`` and a browse ``.jpg``), files that need a session cookie
  or a bearer token; without either, a 302 to the auth server;
* **Earthdata Login** at ``http://localhost:<port>`` (another host name): HTTP Basic
  checked at ``/oauth/authorize``, then a 302 back to the pool's ``/oauth/callback``,
  which sets the cookie and redirects to the file.

Faults, per file path: ``drop_once`` (send half the body, then close the connection,
the first time), ``fail_times`` (answer 503 that many times), ``html`` (a 200 text/html
login page instead of the file), ``redirect`` (a 302 to the given URL, before any
authorisation check), ``trickle`` (send the file one byte every that many seconds).
Every request is logged with its headers.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

USERNAME, PASSWORD, TOKEN = "alice", "s3cret pass", "tok-123"
SESSION_COOKIE = "DATAPOOL=ok"


@dataclass
class Request:
    server: str
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class DataPool:
    files: dict[str, bytes]
    drop_once: set[str] = field(default_factory=set)
    fail_times: dict[str, int] = field(default_factory=dict)
    html: set[str] = field(default_factory=set)
    redirect: dict[str, str] = field(default_factory=dict)
    trickle: dict[str, float] = field(default_factory=dict)
    log: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._servers: list[ThreadingHTTPServer] = []

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> "DataPool":
        data = ThreadingHTTPServer(("127.0.0.1", 0), self._handler("data"))
        auth = ThreadingHTTPServer(("127.0.0.1", 0), self._handler("auth"))
        for server in (data, auth):
            server.daemon_threads = True
            threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
            ).start()
        self._servers = [data, auth]
        self.url = f"http://127.0.0.1:{data.server_address[1]}"
        self.auth_url = f"http://localhost:{auth.server_address[1]}"
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def requests(self, server: str, path_part: str = "") -> list[Request]:
        with self._lock:
            return [r for r in self.log if r.server == server and path_part in r.path]

    # -- handlers -----------------------------------------------------------------------------

    def _handler(self, role: str):
        pool = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                with pool._lock:
                    pool.log.append(Request(role, "GET", self.path, dict(self.headers.items())))
                if role == "auth":
                    pool._auth_get(self)
                else:
                    pool._data_get(self)

        return Handler

    def _auth_get(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        if url.path != "/oauth/authorize":
            return _send(h, 404, b"not found")
        expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if h.headers.get("Authorization") != expected:
            return _send(
                h,
                401,
                b"<html>Earthdata Login</html>",
                "text/html",
                {"WWW-Authenticate": 'Basic realm="Please enter your Earthdata Login credentials"'},
            )
        query = parse_qs(url.query)
        target = f"{query['redirect_uri'][0]}?code=goodcode&state={quote(query['state'][0])}"
        _send(h, 302, b"", headers={"Location": target})

    def _data_get(self, h: BaseHTTPRequestHandler) -> None:
        url = urlsplit(h.path)
        path = url.path
        if path == "/oauth/callback":
            query = parse_qs(url.query)
            if query.get("code") != ["goodcode"]:
                return _send(h, 401, b"bad code")
            return _send(
                h,
                302,
                b"",
                headers={
                    "Location": self.url + query["state"][0],
                    "Set-Cookie": f"{SESSION_COOKIE}; Path=/",
                },
            )
        if path.endswith("/"):
            names = sorted(
                p[len(path) :]
                for p in self.files
                if p.startswith(path) and "/" not in p[len(path) :]
            )
            if not names:
                return _send(h, 404, b"not found")
            links = []
            for name in names:
                links += [name, name + ".xml", "BROWSE." + name.replace(".hdf", ".1.jpg")]
            body = "".join(
                f'<tr><td><a href="{n}">{n}</a></td><td>2021-10-18 12:00</td><td>3.1M</td></tr>\n'
                for n in links
            )
            page = f"<html><body><h1>Index of {path}</h1><table>\n{body}</table></body></html>"
            return _send(h, 200, page.encode(), "text/html")
        if path in self.redirect:
            return _send(h, 302, b"", headers={"Location": self.redirect[path]})
        if path not in self.files:
            return _send(h, 404, b"not found")
        authorized = (
            SESSION_COOKIE in h.headers.get("Cookie", "")
            or h.headers.get("Authorization") == f"Bearer {TOKEN}"
        )
        if not authorized:
            login = (
                f"{self.auth_url}/oauth/authorize?client_id=pool&response_type=code"
                f"&redirect_uri={quote(self.url + '/oauth/callback', safe='')}"
                f"&state={quote(path, safe='')}"
            )
            return _send(h, 302, b"", headers={"Location": login})
        with self._lock:
            failing = self.fail_times.get(path, 0)
            if failing:
                self.fail_times[path] = failing - 1
        if failing:
            return _send(h, 503, b"busy", headers={"Retry-After": "0"})
        if path in self.html:
            return _send(
                h, 200, b"<!DOCTYPE html><html><body>Log in to Earthdata</body></html>", "text/html"
            )
        data = self.files[path]
        if path in self.trickle:
            return _trickle(h, data, self.trickle[path])
        rng = h.headers.get("Range")
        if rng:
            start = int(rng.removeprefix("bytes=").split("-")[0])
            if start >= len(data):
                return _send(h, 416, b"", headers={"Content-Range": f"bytes */{len(data)}"})
            return _send(
                h,
                206,
                data[start:],
                "application/x-hdf",
                {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"},
            )
        with self._lock:
            drop = path in self.drop_once
            self.drop_once.discard(path)
        if drop:
            h.send_response(200)
            h.send_header("Content-Type", "application/x-hdf")
            h.send_header("Content-Length", str(len(data)))
            h.end_headers()
            h.wfile.write(data[: len(data) // 2])
            h.wfile.flush()
            h.close_connection = True
            return
        _send(h, 200, data, "application/x-hdf")


def _send(
    h: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    ctype: str = "text/plain",
    headers: dict[str, str] | None = None,
) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        h.send_header(key, value)
    h.end_headers()
    h.wfile.write(body)


def _trickle(h: BaseHTTPRequestHandler, data: bytes, seconds_per_byte: float) -> None:
    """A 200 whose body comes one byte at a time (until the client hangs up)."""
    import time

    h.send_response(200)
    h.send_header("Content-Type", "application/x-hdf")
    h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    try:
        for i in range(len(data)):
            h.wfile.write(data[i : i + 1])
            h.wfile.flush()
            time.sleep(seconds_per_byte)
    except OSError:
        pass
    h.close_connection = True
