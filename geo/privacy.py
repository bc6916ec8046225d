"""Personal data in operations (issue 15): keyed hashes of clients and devices, masked phones.

Abuse limits need to recognise a client (an address) or a device (a token the QR page
keeps) again, never to know it: Yizhan stores an HMAC-SHA-256 of it under a key. The key is
``YIZHAN_CLIENT_HASH_KEY`` or, when that is empty, one derived from the database's system
identifier, so it is stable across restarts and differs between installations. A
reporter's optional phone is shown masked everywhere (``mask_phone``) and erased after
``YIZHAN_PHONE_RETENTION_DAYS``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

import psycopg

from geo.settings import OperationsSettings

_KEYS: dict[str, bytes] = {}


def hash_key(conn: psycopg.Connection[Any], settings: OperationsSettings) -> bytes:
    """The key of client and device hashes (see the module's doc)."""
    if settings.client_hash_key:
        return settings.client_hash_key.encode()
    dsn = conn.info.dsn
    if dsn not in _KEYS:
        row = conn.execute("SELECT system_identifier::text AS id FROM pg_control_system()")
        ident = row.fetchone()
        assert ident is not None
        _KEYS[dsn] = hashlib.sha256(b"yizhan-client-hash:" + str(ident["id"]).encode()).digest()
    return _KEYS[dsn]


def keyed_hash(key: bytes, value: str) -> str:
    """The HMAC-SHA-256 of ``value`` under ``key``, as 32 hex characters."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def mask_phone(phone: str | None) -> str | None:
    """``13800138000`` -> ``138****8000``; a number shorter than 9 digits keeps only its
    last two. Anything but digits is dropped first."""
    if not phone:
        return None
    plain = re.sub(r"\D", "", phone)
    if len(plain) >= 9:
        return plain[:3] + "*" * (len(plain) - 7) + plain[-4:]
    return "*" * max(0, len(plain) - 2) + plain[-2:]
