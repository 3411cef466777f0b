"""An HTTP session that sends Earthdata credentials only where they belong.

The Data Pool answers an unauthenticated request with a redirect to
Earthdata Login (the auth host), which checks the credentials and redirects
back with a session cookie. So:

* a username and password (HTTP Basic) go only to the auth host;
* a bearer token goes to the auth host and to the data hosts (the Data Pool
  accepts EDL tokens directly);
* either only over HTTPS (or to a loopback host, for tests);
* on every redirect the ``Authorization`` header is dropped and re-added
  only under those rules, so no other host ever sees a credential.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from urllib.parse import urlsplit

import requests

from thermoquake.fetch.auth import Credentials

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
USER_AGENT = "thermoquake-fetch (+requests)"


class EarthdataSession(requests.Session):
    """A ``requests.Session`` scoping Earthdata credentials by host (see the module docstring)."""

    def __init__(
        self, credentials: Credentials | None, auth_host: str, data_hosts: Iterable[str]
    ) -> None:
        super().__init__()
        self.credentials = credentials
        self.auth_host = auth_host.lower()
        self.data_hosts = frozenset(h.lower() for h in data_hosts)
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
        if self.credentials is None:
            return None
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if not (parts.scheme == "https" or host in LOOPBACK_HOSTS):
            return None  # never in clear text over the network
        if self.credentials.token:
            if host == self.auth_host or host in self.data_hosts:
                return f"Bearer {self.credentials.token}"
            return None
        if host == self.auth_host:
            return basic_authorization(
                self.credentials.username or "", self.credentials.password or ""
            )
        return None

    def rebuild_auth(
        self, prepared_request: requests.PreparedRequest, response: requests.Response
    ) -> None:
        """On a redirect: drop credentials, then add them back only if the new host may see them."""
        self._authorize(prepared_request)


def basic_authorization(username: str, password: str) -> str:
    """``Authorization`` header value for HTTP Basic (RFC 7617, UTF-8)."""
    pair = f"{username}:{password}".encode("utf-8")
    return "Basic " + base64.b64encode(pair).decode("ascii")
