"""SQL for photos (table ``photos``, migration 0014): stored only as ``geo.photos`` cleaned them."""

from __future__ import annotations

from typing import Any

import psycopg

from geo.photos import CleanPhoto


def store_photo(conn: psycopg.Connection[Any], photo: CleanPhoto) -> int:
    """Insert the cleaned photo (in the caller's transaction) and return its id."""
    row = conn.execute(
        """INSERT INTO photos (sha256, content_type, width, height, bytes, created_by)
           VALUES (%s, %s, %s, %s, %s, yizhan_actor()) RETURNING id""",
        (photo.sha256, photo.content_type, photo.width, photo.height, photo.data),
    ).fetchone()
    assert row is not None
    return int(row["id"])


def read_photo(conn: psycopg.Connection[Any], photo_id: int) -> CleanPhoto | None:
    """The stored photo with this id, or None."""
    row = conn.execute(
        "SELECT sha256, content_type, width, height, bytes FROM photos WHERE id = %s",
        (photo_id,),
    ).fetchone()
    if row is None:
        return None
    return CleanPhoto(
        data=bytes(row["bytes"]),
        width=row["width"],
        height=row["height"],
        sha256=row["sha256"],
        content_type=row["content_type"],
    )
