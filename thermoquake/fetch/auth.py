"""NASA Earthdata Login credentials: from the environment or ``~/.netrc``.

Looked up in this order:

1. ``EARTHDATA_TOKEN``: a bearer token (EDL user token);
2. ``EARTHDATA_USERNAME`` and ``EARTHDATA_PASSWORD``;
3. the netrc file (``$NETRC`` or ``~/.netrc``), entry ``machine <auth host>``.

The auth host is ``urs.earthdata.nasa.gov`` unless ``EARTHDATA_HOST`` says otherwise:
a host name (HTTPS, port 443), ``host:port`` or a full origin such as
``http://localhost:8080`` (plain HTTP only to a loopback host). Credentials go to that
exact origin only (:mod:`thermoquake.fetch.http`); the netrc entry is looked up by its
host name.
"""

from __future__ import annotations

import netrc
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from thermoquake.errors import AuthError, ThermoquakeError  # noqa: F401  (AuthError: re-exported)

EARTHDATA_HOST = "urs.earthdata.nasa.gov"
HOST_ENV = "EARTHDATA_HOST"


@dataclass(frozen=True)
class Credentials:
    """Earthdata Login credentials. Either ``token`` or ``username`` + ``password``.

    ``source`` says where they came from (never the secret itself); ``repr`` hides secrets.
    """

    source: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)


def auth_host(environ: Mapping[str, str] = os.environ) -> str:
    """The Earthdata Login origin as given (``EARTHDATA_HOST`` or :data:`EARTHDATA_HOST`):
    a host, ``host:port`` or ``scheme://host:port``."""
    return environ.get(HOST_ENV, "").strip().lower() or EARTHDATA_HOST


def netrc_machine(auth: str) -> str:
    """The host name of an auth origin given as ``host``, ``host:port`` or a URL."""
    text = auth.strip()
    return (urlsplit(text if "://" in text else f"https://{text}").hostname or text).lower()


def find_credentials(host: str, environ: Mapping[str, str] = os.environ) -> Credentials | None:
    """Credentials for ``host`` (see the module docstring), or None if there are none.

    Raises:
        AuthError: half-set environment variables or an unreadable netrc file.
    """
    host = netrc_machine(host)
    token = environ.get("EARTHDATA_TOKEN", "").strip()
    if token:
        return Credentials("EARTHDATA_TOKEN", token=token)
    user = environ.get("EARTHDATA_USERNAME", "")
    password = environ.get("EARTHDATA_PASSWORD", "")
    if user or password:
        if not (user and password):
            raise AuthError("set both EARTHDATA_USERNAME and EARTHDATA_PASSWORD, or neither")
        return Credentials(
            "EARTHDATA_USERNAME/EARTHDATA_PASSWORD", username=user, password=password
        )
    path = Path(environ["NETRC"]) if environ.get("NETRC") else Path.home() / ".netrc"
    if not path.is_file():
        return None
    try:
        entry = netrc.netrc(os.fspath(path)).authenticators(host)
    except (netrc.NetrcParseError, OSError) as err:
        raise AuthError(f"cannot read the netrc file: {err}", path) from None
    if entry is None:
        return None
    login, _, secret = entry
    if not login or not secret:
        raise AuthError(f"the netrc entry for machine {host} needs both login and password", path)
    return Credentials(f"{path} (machine {host})", username=login, password=secret)
