"""``yizhan serve``: the web app and API under uvicorn, over http or HTTPS.

Phones allow geolocation only in a secure context: on ``http://HOST:8000/`` the map page
cannot locate anyone. ``--certfile``/``--keyfile`` (or ``YIZHAN_TLS_CERTFILE`` and
``YIZHAN_TLS_KEYFILE``) serve HTTPS directly; behind nginx, nginx holds the certificate
(docs/deploy.md).
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.cli.common import console
from geo.errors import InvalidFile, InvalidInput

if TYPE_CHECKING:
    from geo.settings import ServingSettings

CertOpt = Annotated[
    Path | None,
    typer.Option(help="PEM certificate (chain) for HTTPS; with --keyfile (YIZHAN_TLS_CERTFILE)"),
]
KeyOpt = Annotated[
    Path | None,
    typer.Option(help="PEM private key of the certificate, unencrypted (YIZHAN_TLS_KEYFILE)"),
]


def serve(
    host: Annotated[str, typer.Option(help="listen address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
    certfile: CertOpt = None,
    keyfile: KeyOpt = None,
) -> None:
    """Serve the web app and API (HTTPS with --certfile and --keyfile)."""
    # Lazy: uvicorn and psycopg would slow every start-up of the CLI.
    import uvicorn

    from geo.db.connection import database_url
    from geo.settings import get_settings

    tls = tls_files(certfile, keyfile, get_settings().serving)
    os.environ.setdefault("DATABASE_URL", database_url())
    _prepare_network()
    os.environ["YIZHAN_WORKERS"] = str(workers)
    scheme = "https" if tls else "http"
    console.print(f"Yizhan 驿站: {scheme}://{host}:{port}/")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        access_log=False,
        timeout_graceful_shutdown=10,
        ssl_certfile=str(tls[0]) if tls else None,
        ssl_keyfile=str(tls[1]) if tls else None,
    )


def _prepare_network() -> None:
    """Write the walk network's shared cache before uvicorn spawns the workers (each
    then opens it memory-mapped instead of building its own); a database that cannot be
    read yet only leaves it to the first request."""
    import psycopg

    from geo.db.connection import connect
    from geo.errors import DatabaseUnavailable
    from geo.network import walk

    try:
        with connect() as conn:
            walk.prepare(conn)
    except (DatabaseUnavailable, psycopg.Error, OSError, AssertionError) as exc:
        console.print(f"步行路网缓存未预先写入 / walk network cache not written ahead: {exc}")


def tls_files(
    certfile: Path | None, keyfile: Path | None, serving: ServingSettings
) -> tuple[Path, Path] | None:
    """The certificate and key to serve HTTPS with: the options, else the settings
    (``serving.tls_certfile``/``tls_keyfile``); ``None`` for plain http.

    Both or neither; each must be a readable file, and together they must load as a TLS
    server's certificate and key, so a mistake stops the command with a sentence naming
    the file instead of uvicorn's traceback (or its password prompt) at start-up.
    """
    names = ("--certfile", "--keyfile")
    if certfile is None and keyfile is None:
        certfile, keyfile = serving.tls_certfile, serving.tls_keyfile
        names = ("YIZHAN_TLS_CERTFILE", "YIZHAN_TLS_KEYFILE")
    if certfile is None and keyfile is None:
        return None
    if certfile is None or keyfile is None:
        given, missing = names if keyfile is None else names[::-1]
        raise InvalidInput(
            f"HTTPS 需要同时给出证书和私钥（--certfile 和 --keyfile，或 YIZHAN_TLS_CERTFILE 和 "
            f"YIZHAN_TLS_KEYFILE）：只给了 {given}，缺少 {missing}",
            "HTTPS needs both a certificate and its key (--certfile and --keyfile, or "
            f"YIZHAN_TLS_CERTFILE and YIZHAN_TLS_KEYFILE): {given} was given without {missing}",
        )
    for what_zh, what_en, path in (("证书", "certificate", certfile), ("私钥", "key", keyfile)):
        _readable(what_zh, what_en, path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        # A password callback that gives none: an encrypted key fails here, not at a prompt.
        context.load_cert_chain(certfile, keyfile, password=lambda: b"")
    except (ssl.SSLError, OSError) as exc:
        raise InvalidFile(
            f"无法用证书 {certfile} 和私钥 {keyfile} 启动 HTTPS：两者须为 PEM 格式、相互匹配，"
            f"且私钥未加密（{exc}）",
            f"cannot serve HTTPS with certificate {certfile} and key {keyfile}: both must be "
            f"PEM, belong together, and the key must not be encrypted ({exc})",
        ) from None
    return certfile, keyfile


def _readable(what_zh: str, what_en: str, path: Path) -> None:
    """Refuse a TLS file that is missing, not a file, or unreadable, naming it."""
    if not path.exists():
        raise InvalidFile(f"{what_zh}文件不存在：{path}", f"{what_en} file not found: {path}")
    if not path.is_file():
        raise InvalidFile(f"{what_zh}不是文件：{path}", f"{what_en} is not a file: {path}")
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise InvalidFile(
            f"无法读取{what_zh}文件：{path}（{exc.strerror}）",
            f"cannot read the {what_en} file: {path} ({exc.strerror})",
        ) from None
