"""Light on mobile data (#14): compressed answers and cache headers.

- :class:`Compress`: brotli (when the client accepts it; Chromium does over https) or
  gzip for text, JSON, JavaScript, SVG and the manifest of at least ``minimum_size``
  bytes; never for images, archives or anything already encoded. It runs inside
  ``HeadAsGet``, so ``HEAD`` gets the headers ``GET`` gets.
  Files (answers with an ETag) are compressed once at the highest level and kept in a
  small cache; other answers at a fast level, streamed answers chunk by chunk. A
  compressed answer's ETag becomes weak (``W/``), as its bytes differ from the file's.
- :class:`CacheDefault`: pages and API answers that set no ``Cache-Control`` get
  ``no-cache`` (use only after revalidating); static files set their own
  (``api/static.py``).

Both are pure ASGI middleware.
"""

from __future__ import annotations

import gzip
import zlib
from collections import OrderedDict

import anyio
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

try:  # a maintained binding of Google's brotli (PyPI: brotli)
    import brotli
except ImportError:  # pragma: no cover - gzip only
    brotli = None

_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/geo+json",
        "application/problem+json",
        "application/javascript",
        "application/manifest+json",
        "application/xml",
        "application/x-ndjson",
        "image/svg+xml",
    }
)
#: Bodies of files up to this size are compressed whole and cached.
_CACHE_BODY_MAX = 4_000_000
_CACHE_BYTES_MAX = 24_000_000
#: Compressing more than this happens off the event loop.
_THREAD_ABOVE = 64_000


def compressible(content_type: str) -> bool:
    """Whether a body of this type is worth compressing (text, never images or zips)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "text/event-stream":
        return False
    return kind.startswith("text/") or kind in _TEXT_TYPES or kind.endswith(("+json", "+xml"))


def choose_encoding(accept_encoding: str) -> str | None:
    """``br`` or ``gzip`` (in that order of preference) if the client accepts it."""
    weights: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        token, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        weights[token.strip()] = q
    for encoding in ("br", "gzip"):
        if encoding == "br" and brotli is None:
            continue
        if weights.get(encoding, weights.get("*", 0.0)) > 0:
            return encoding
    return None


def compress(body: bytes, encoding: str, *, best: bool) -> bytes:
    """``body`` compressed whole, at the best level for files or a fast one."""
    if encoding == "br":
        return bytes(brotli.compress(body, quality=11 if best else 5))
    return gzip.compress(body, compresslevel=9 if best else 6, mtime=0)


class _Stream:
    """Chunk-by-chunk compression of a streamed answer."""

    def __init__(self, encoding: str) -> None:
        self._br = brotli.Compressor(quality=5) if encoding == "br" else None
        self._gz = None if self._br else zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)

    def chunk(self, data: bytes, last: bool) -> bytes:
        if self._br is not None:
            out = self._br.process(data) + self._br.flush()
            return bytes(out + self._br.finish()) if last else bytes(out)
        assert self._gz is not None
        out = self._gz.compress(data)
        return out + (self._gz.flush() if last else self._gz.flush(zlib.Z_SYNC_FLUSH))


class _Cache:
    """Compressed files by (ETag, path, encoding), least recently used dropped."""

    def __init__(self) -> None:
        self._items: OrderedDict[tuple[str, str, str], bytes] = OrderedDict()
        self._bytes = 0

    def get(self, key: tuple[str, str, str]) -> bytes | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: tuple[str, str, str], value: bytes) -> None:
        if key in self._items:
            return
        self._items[key] = value
        self._bytes += len(value)
        while self._bytes > _CACHE_BYTES_MAX and self._items:
            _, dropped = self._items.popitem(last=False)
            self._bytes -= len(dropped)


class Compress:
    """Compress text and JSON answers of at least ``minimum_size`` bytes."""

    def __init__(self, app: ASGIApp, minimum_size: int = 1024) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.cache = _Cache()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; compress its answer on the way out when worth it."""
        if scope["type"] != "http" or scope["method"] == "HEAD":
            await self.app(scope, receive, send)
            return
        encoding = choose_encoding(Headers(scope=scope).get("accept-encoding", ""))
        responder = _Responder(self, scope, send, encoding)
        await self.app(scope, receive, responder.send)


class _Responder:
    """One answer on its way out: held at its start until its body says what to do."""

    def __init__(self, owner: Compress, scope: Scope, send: Send, encoding: str | None) -> None:
        self.owner = owner
        self.path = str(scope.get("path", ""))
        self.downstream = send
        self.encoding = encoding
        self.start: Message | None = None
        self.mode = "undecided"  # pass | whole | stream
        self.parts: list[bytes] = []
        self.stream: _Stream | None = None

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            await self._on_start(message)
        elif kind == "http.response.body" and self.mode != "pass":
            await self._on_body(message)
        else:
            if self.start is not None:  # e.g. http.response.pathsend: as it is
                await self.downstream(self.start)
                self.start = None
            await self.downstream(message)

    async def _on_start(self, message: Message) -> None:
        headers = MutableHeaders(scope=message)
        status = int(message["status"])
        if (
            not compressible(headers.get("content-type", ""))
            or "content-encoding" in headers
            or status < 200
            or status in (204, 304)
        ):
            self.mode = "pass"
            await self.downstream(message)
            return
        headers.add_vary_header("Accept-Encoding")
        length = headers.get("content-length")
        if self.encoding is None or (length is not None and int(length) < self.owner.minimum_size):
            self.mode = "pass"
            await self.downstream(message)
            return
        self.start = message

    async def _on_body(self, message: Message) -> None:
        body: bytes = message.get("body", b"")
        more = bool(message.get("more_body", False))
        assert self.start is not None or self.mode == "stream"
        if self.mode == "stream":
            assert self.stream is not None
            await self.downstream(
                {
                    "type": "http.response.body",
                    "body": self.stream.chunk(body, not more),
                    "more_body": more,
                }
            )
            return
        self.parts.append(body)
        start = self.start
        assert start is not None
        headers = MutableHeaders(scope=start)
        etag = headers.get("etag")
        length = int(headers.get("content-length") or 0)
        if more and not (etag and length <= _CACHE_BODY_MAX):
            await self._begin_stream(headers, start)
            return
        if more:
            return  # a file: gather it, compress it whole
        await self._whole(headers, start, b"".join(self.parts), etag)

    async def _begin_stream(self, headers: MutableHeaders, start: Message) -> None:
        assert self.encoding is not None
        self.mode = "stream"
        self.stream = _Stream(self.encoding)
        del headers["content-length"]
        headers["Content-Encoding"] = self.encoding
        _weaken_etag(headers)
        await self.downstream(start)
        data = self.stream.chunk(b"".join(self.parts), False)
        self.parts = []
        await self.downstream({"type": "http.response.body", "body": data, "more_body": True})

    async def _whole(
        self, headers: MutableHeaders, start: Message, body: bytes, etag: str | None
    ) -> None:
        assert self.encoding is not None
        if len(body) < self.owner.minimum_size:
            await self.downstream(start)
            await self.downstream({"type": "http.response.body", "body": body})
            return
        key = (etag or "", self.path, self.encoding)
        packed = self.owner.cache.get(key) if etag else None
        if packed is None:
            encoding = self.encoding

            def work() -> bytes:
                return compress(body, encoding, best=bool(etag))

            packed = await anyio.to_thread.run_sync(work) if len(body) > _THREAD_ABOVE else work()
            if etag:
                self.owner.cache.put(key, packed)
        headers["Content-Encoding"] = self.encoding
        headers["Content-Length"] = str(len(packed))
        _weaken_etag(headers)
        await self.downstream(start)
        await self.downstream({"type": "http.response.body", "body": packed})


def _weaken_etag(headers: MutableHeaders) -> None:
    etag = headers.get("etag")
    if etag and not etag.startswith("W/"):
        headers["ETag"] = f"W/{etag}"


class CacheDefault:
    """``Cache-Control: no-cache`` on every answer that did not choose its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; default the answer's Cache-Control."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_default(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).setdefault("Cache-Control", "no-cache")
            await send(message)

        await self.app(scope, receive, send_with_default)
