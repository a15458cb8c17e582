"""Who may call the routes that change state, and keys that must not be the built-in ones.

A server bound to loopback (the demo, the tests) uses keys made for its workspace. One
listening beyond loopback (a pod) must be given its Secret, or it refuses to start and names
the Secret: running open, or with a hash key anyone can read in this source, is worse than
not running.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import secrets as random
from pathlib import Path
from typing import Any

from nivesh.cluster.secrets import LOG_HASH, SecretFile
from nivesh.errors import NiveshError
from nivesh.settings import LOCAL_HASH_KEY, Workspace

MIN_SECRET_CHARS = 16  # shorter is a guessable token or key, not a secret
BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="nivesh"'}


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or localhost: nobody on another machine can reach the server."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def log_hash_key(configured: str, host: str) -> bytes:
    """The key for user-id pseudonyms; the built-in one only on loopback."""
    if is_loopback(host):
        return configured.encode()
    (key, var), *_ = LOG_HASH.keys
    if configured == LOCAL_HASH_KEY:
        raise NiveshError(
            f"{var} is the built-in local key, which anyone can read in the source: set {var} from "
            f"key '{key}' of the Secret {LOG_HASH.name} (the rendered manifests do)"
        )
    if len(configured) < MIN_SECRET_CHARS:
        raise NiveshError(f"{var}: at least {MIN_SECRET_CHARS} characters (Secret {LOG_HASH.name}, key '{key}')")
    return configured.encode()


def bearer_token(secret: SecretFile, file: Path | None, host: str, ws: Workspace) -> str:
    """The token a route requires: read from the mounted Secret's file, or on loopback from
    this workspace's own token file when none is given."""
    if file is None:
        if not is_loopback(host):
            raise NiveshError(
                f"{secret.env} is not set: mount key '{secret.key}' of the Secret {secret.name} and "
                f"point {secret.env} at it ({secret.path} in the rendered manifests)"
            )
        file = local_token_file(ws, secret)
    try:
        token = file.read_text().strip()
    except OSError as exc:
        raise NiveshError(f"{secret.env}={file}: cannot read it ({exc.strerror})") from exc
    if len(token) < MIN_SECRET_CHARS:
        raise NiveshError(f"{secret.env}={file}: the token is shorter than {MIN_SECRET_CHARS} characters")
    return token


def local_token_file(ws: Workspace, secret: SecretFile) -> Path:
    """This workspace's token for `secret`, made once and readable by its owner only: what
    local servers require and local clients (Alertmanager, the tests) send."""
    path = ws.path("secrets", f"{secret.name}.{secret.key}")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    with os.fdopen(fd, "w") as out:
        out.write(random.token_urlsafe(32))
    return path


def local_headers(ws: Workspace, secret: SecretFile) -> dict[str, str]:
    """The Authorization header a local client sends to a loopback server of `ws`."""
    return {"Authorization": f"Bearer {local_token_file(ws, secret).read_text().strip()}"}


def authorized(header: str | None, token: str) -> bool:
    """An `Authorization: Bearer <token>` header carrying `token` (compared in constant time)."""
    scheme, _, value = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


def refusal(request: Any, token: str) -> Any:
    """None when `request` carries the bearer `token`; else the 401 to answer (with the
    Bearer challenge), for every route that takes a token."""
    if authorized(request.headers.get("authorization"), token):
        return None
    from fastapi.responses import JSONResponse

    body = {"error": f"{request.url.path}: missing or wrong bearer token (Authorization: Bearer <token>)"}
    return JSONResponse(body, status_code=401, headers=BEARER_CHALLENGE)
