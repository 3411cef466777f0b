"""An HTTP session that sends Earthdata credentials only where they belong.

The Data Pool answers an unauthenticated request with a redirect to
Earthdata Login (the auth host), which checks the credentials and redirects
back with a session cookie. Credentials are scoped by **origin** — scheme, host
and port together, as browsers scope them — never by host name alone:

* a username and password (HTTP Basic) go only to the Earthdata Login origin;
* a bearer token goes to that origin and to the data origins (the Data Pool
  accepts EDL tokens directly);
* either only over HTTPS (or to a loopback host, for tests);
* on every redirect the ``Authorization`` header is dropped and re-added
  only under those rules, so no other origin — another port of the same host,
  the same host over plain HTTP, another host — ever sees a credential.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import urlsplit

import requests

from thermoquake.fetch.auth import Credentials

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
USER_AGENT = "thermoquake-fetch (+requests)"
DEFAULT_PORTS = {"http": 80, "https": 443}


class Origin(NamedTuple):
    """A web origin: lower-case scheme and host, and the port (the scheme's default if none)."""

    scheme: str
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"


def origin_of(location: str) -> Origin | None:
    """The origin of a URL, or of a bare ``host`` / ``host:port`` (taken as HTTPS); None if
    ``location`` has no host or an unknown scheme or a malformed port."""
    text = location.strip()
    parts = urlsplit(text if "://" in text else f"https://{text}")
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in DEFAULT_PORTS or not host:
        return None
    try:
        port = parts.port
    except ValueError:
        return None
    return Origin(scheme, host, port if port is not None else DEFAULT_PORTS[scheme])


class EarthdataSession(requests.Session):
    """A ``requests.Session`` scoping Earthdata credentials by origin (see the module docstring).

    ``auth_origin`` and ``data_origins`` are URLs or bare hosts (``host[:port]``, HTTPS).
    """

    def __init__(
        self, credentials: Credentials | None, auth_origin: str, data_origins: Iterable[str]
    ) -> None:
        super().__init__()
        self.credentials = credentials
        self.auth_origin = origin_of(auth_origin)
        self.data_origins = frozenset(o for o in map(origin_of, data_origins) if o is not None)
        self.headers["User-Agent"] = USER_AGENT
        self.auth = self._authorize

    def _authorize(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers.pop("Authorization", None)
        header = self.authorization_for(request.url or "")
        if header:
            request.headers["Authorization"] = header
        return request

    def authorization_for(self, url: str) -> str | None:
        """The ``Authorization`` header value to send to ``url``, or None."""
        if self.credentials is None or "://" not in url:
            return None
        origin = origin_of(url)
        if origin is None:
            return None
        if not (origin.scheme == "https" or origin.host in LOOPBACK_HOSTS):
            return None  # never in clear text over the network
        if self.credentials.token:
            if origin == self.auth_origin or origin in self.data_origins:
                return f"Bearer {self.credentials.token}"
            return None
        if origin == self.auth_origin:
            return basic_authorization(
                self.credentials.username or "", self.credentials.password or ""
            )
        return None

    def rebuild_auth(
        self, prepared_request: requests.PreparedRequest, response: requests.Response
    ) -> None:
        """On a redirect: drop credentials, then add them back only if the new origin may see them."""
        self._authorize(prepared_request)


def basic_authorization(username: str, password: str) -> str:
    """``Authorization`` header value for HTTP Basic (RFC 7617, UTF-8)."""
    pair = f"{username}:{password}".encode("utf-8")
    return "Basic " + base64.b64encode(pair).decode("ascii")
