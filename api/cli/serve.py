"""``yizhan serve``: the web app and API under uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from api.cli.common import console


def serve(
    host: Annotated[str, typer.Option(help="listen address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
    workers: Annotated[int, typer.Option(help="worker processes")] = 1,
) -> None:
    """Serve the web app and API."""
    # Lazy: uvicorn and psycopg would slow every start-up of the CLI.
    import uvicorn

    from geo.db.connection import database_url

    os.environ.setdefault("DATABASE_URL", database_url())
    os.environ["YIZHAN_WORKERS"] = str(workers)
    console.print(f"Yizhan 驿站: http://{host}:{port}/")
    uvicorn.run(
        "api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        access_log=False,
        timeout_graceful_shutdown=10,
    )
