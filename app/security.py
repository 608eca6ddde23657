"""Who may talk to the server (docs/security.md): three pure-ASGI guards.

- HostCheck: the `Host` must be one of the server's own names, so a page whose domain was
  rebound to 127.0.0.1 (DNS rebinding) is refused before any route runs.
- OriginCheck: a POST, PUT, PATCH or DELETE sent by a page of another site is refused.
- TokenAuth: with HWR_API_TOKEN set, every /api request but the health probe needs the token,
  as a bearer header or as the session cookie `POST /api/session` sets (for EventSource).
"""

import hashlib
import hmac
import ipaddress
import logging
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from app.config import Settings
from app.middleware import MUTATING, send_json

log = logging.getLogger("hwr")

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARD_ADDRESSES = frozenset({"0.0.0.0", "::", ""})
# Open without the token: a liveness probe, and forgetting a session.
PUBLIC = frozenset({("GET", "/api/health"), ("HEAD", "/api/health"), ("DELETE", "/api/session")})
COOKIE_MAX_AGE_S = 400 * 24 * 3600  # the longest browsers keep a cookie
COOKIE_PATH = "/api"  # sent with API requests only, not with pages and static files


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def split_host(host: str) -> tuple[str, str | None]:
    """`Host` header -> (name, port): lower case, IPv6 without brackets, no trailing dot."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else None
    else:
        name, _, after = host.partition(":")
        port = after or None
    return name.rstrip("."), port


def is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def is_loopback(host: str) -> bool:
    """Is a bind address reachable only from this machine?"""
    name = host.strip("[]").lower()
    return name == "localhost" or (is_address(name) and ipaddress.ip_address(name).is_loopback)


def own_names(settings: Settings) -> frozenset[str] | None:
    """The host names this server answers to; None when HWR_ALLOWED_HOSTS says `*` (any)."""
    if "*" in settings.allowed_hosts:
        return None
    names = set(LOOPBACK_NAMES) | {split_host(h)[0] for h in settings.allowed_hosts}
    bind = settings.host.strip("[]").lower()
    # Bound to every interface, the machine's own name is one of the server's names too.
    names.add(socket.gethostname().lower() if bind in WILDCARD_ADDRESSES else bind)
    return frozenset(names)


def origin_key(url: str) -> tuple[str, str | None] | None:
    """An origin (or a Referer) as (host name, port or None for the scheme's default)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = 80 if parts.scheme == "http" else 443
    return parts.hostname.rstrip("."), None if port in (None, default) else str(port)


def host_key(host: str) -> tuple[str, str | None]:
    name, port = split_host(host)
    return name, None if port in ("80", "443") else port


class HostCheck:
    """421 for a request addressed to a name that is not the server's (DNS rebinding).

    An IP address is always accepted: a rebinding needs a domain name the attacker controls."""

    def __init__(self, app: ASGIApp, names: frozenset[str] | None) -> None:
        self.app, self.names = app, names

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.names is not None:
            name = split_host(_header(scope, b"host") or "")[0]
            if name not in self.names and not is_address(name):
                shown = name or "(none)"
                await send_json(
                    send,
                    421,
                    f"this server does not answer to the host name {shown!r}; an operator can"
                    " add it to HWR_ALLOWED_HOSTS",
                )
                return
        await self.app(scope, receive, send)


class OriginCheck:
    """403 for an unsafe request that a page of another site sent (cross-site writes).

    The browser says who sent it in `Origin` (else `Referer`); without either the request
    comes from a script or a tool, not from a page, and passes."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str]) -> None:
        self.app = app
        self.any = "*" in allowed
        self.allowed = {key for key in map(origin_key, allowed) if key}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in MUTATING and not self.any:
            sender = _header(scope, b"origin") or _header(scope, b"referer")
            if sender is not None:
                key = origin_key(sender)
                own = host_key(_header(scope, b"host") or "")
                if key is None or (key != own and key not in self.allowed):
                    await send_json(
                        send,
                        403,
                        f"refused a {scope['method']} sent by a page of another site"
                        f" ({sender.strip()[:100]}); an operator can allow that origin with"
                        " HWR_ALLOWED_ORIGINS",
                    )
                    return
        await self.app(scope, receive, send)


def session_cookie(token: str, host: str) -> tuple[str, str]:
    """The session cookie's (name, value) for a browser that gave the token.

    The value is derived from the token (so it dies with it) but does not reveal it; the name
    carries the port, because browsers share cookies between the ports of one host."""
    port = split_host(host)[1]
    name = f"hwr_session_{port}" if port else "hwr_session"
    value = hmac.new(token.encode(), b"hwr session v1", hashlib.sha256).hexdigest()
    return name, value


def _cookie(scope: Scope, name: str) -> str:
    for part in (_header(scope, b"cookie") or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


class TokenAuth:
    """With a token configured, 401 for any /api request without it (but PUBLIC ones)."""

    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app, self.token = app, token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            self.token
            and scope["type"] == "http"
            and scope["path"].startswith("/api/")
            and (scope["method"], scope["path"]) not in PUBLIC
            and not self.authenticated(scope, self.token)
        ):
            await send_json(
                send, 401, "missing or wrong API token", [(b"www-authenticate", b"Bearer")]
            )
            return
        await self.app(scope, receive, send)

    @staticmethod
    def authenticated(scope: Scope, token: str) -> bool:
        # compare_digest: the time taken does not reveal how much of a secret matched.
        given = (_header(scope, b"authorization") or "").encode("latin-1")
        if hmac.compare_digest(given, b"Bearer " + token.encode()):
            return True
        name, value = session_cookie(token, _header(scope, b"host") or "")
        return hmac.compare_digest(_cookie(scope, name).encode("latin-1"), value.encode())


def install(app: FastAPI, settings: Settings) -> None:
    """Add the guards; the last added runs first: Host, then CORS (if configured), Origin, token."""
    token = settings.api_token.get_secret_value() if settings.api_token else None
    app.add_middleware(TokenAuth, token=token)
    app.add_middleware(OriginCheck, allowed=settings.allowed_origins)
    if settings.allowed_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.allowed_origins,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type"],
            allow_credentials=True,
        )
    names = own_names(settings)
    if names is None:
        log.warning("HWR_ALLOWED_HOSTS is '*': any host name is accepted (no DNS-rebinding check)")
    app.add_middleware(HostCheck, names=names)
