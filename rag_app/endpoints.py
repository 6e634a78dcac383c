"""Endpoint URLs: which hosts are this machine, credentials hidden for display, keys kept off plain http.

- :func:`is_loopback` says whether a host name or address is this machine (``localhost``, 127.0.0.0/8, ::1).
- :func:`mask_url` shows a URL with its credentials replaced by ``****`` (userinfo password,
  token-like query parameters): for ``rag config``, the UI's Status tab, logs and error messages.
- :func:`endpoint_key` lets an API key (or token) go to a URL, except over plain ``http://`` to
  another machine unless the user opted in.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from rag_app.errors import ConfigError

MASK = "****"
# Query parameters that carry credentials in the URLs people paste (Milvus/Zilliz, proxies, signed URLs).
_SECRET_PARAMS = (
    "token",
    "key",
    "password",
    "passwd",
    "pwd",
    "secret",
    "auth",
    "signature",
    "sig",
    "credential",
)
# Schemes whose traffic is not encrypted: a key sent over them can be read by anyone on the path.
_PLAIN_SCHEMES = ("http", "tcp", "grpc", "ws")


def is_loopback(host: str | None) -> bool:
    """True for ``localhost`` (and ``*.localhost``) and loopback addresses, with or without brackets."""
    if not host:
        return False
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _secret_param(name: str) -> bool:
    low = name.lower().replace("-", "_")
    return any(word in low for word in _SECRET_PARAMS)


def mask_url(url: str | None) -> str | None:
    """``url`` with its credentials masked; anything that is not a URL comes back unchanged.

    >>> mask_url("https://root:Milvus@db.example:19530/?token=abc&db=x")
    'https://root:****@db.example:19530/?token=****&db=x'
    """
    if not url or "://" not in url:
        return url
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:  # unparsable: show the scheme only, never the rest
        return url.split("://", 1)[0] + "://" + MASK
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, where = netloc.rsplit("@", 1)
        user, sep, _password = userinfo.partition(":")
        # user:password keeps the user; a lone userinfo is often a token itself (https://TOKEN@host)
        netloc = f"{user}:{MASK}@{where}" if sep else f"{MASK}@{where}"
    query = parts.query
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(_secret_param(k) for k, _ in pairs):
        query = urlencode([(k, MASK if _secret_param(k) else v) for k, v in pairs], safe="*")
    if (netloc, query) == (parts.netloc, parts.query):
        return url  # nothing to hide: exactly as configured
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def is_plain_remote(url: str | None) -> bool:
    """True when ``url`` is unencrypted (``http://``, ``tcp://``...) and points at another machine."""
    if not url or "://" not in url:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in _PLAIN_SCHEMES and not is_loopback(parts.hostname)


def endpoint_key(
    url: str | None,
    key: str | None,
    *,
    env_name: str,
    section: str,
    url_key: str = "base_url",
    env_key: str = "api_key_env",
    opt_in: str = "allow_http_key",
    allowed: bool = False,
) -> str | None:
    """``key`` (read from the environment variable ``env_name``) for ``url``; None when there is none.

    A key would travel in clear text over a plain ``http://`` URL to another machine: that is a
    :class:`ConfigError` naming the fix, unless ``allowed`` (the user's ``<section>.<opt_in>: true``).
    """
    if key and not allowed and is_plain_remote(url):
        host = urlsplit(str(url)).hostname
        raise ConfigError(
            f"Refusing to send the key in ${env_name} over plain http to {host} "
            f"({section}.{url_key}: {mask_url(url)}): anyone on the network could read it.",
            fix=f"Use an https:// URL (or a loopback address) for {section}.{url_key}. If that server needs "
            f"no key, point {section}.{env_key} at a variable that is not set. To send it anyway, "
            f"set {section}.{opt_in}: true.",
        )
    return key
