"""Reading a response body under a byte cap, decompressing it ourselves.

httpx, left to decode, inflates gzip without limit (a 1 MB gzip of zeros is
1 GB in memory) and applies stacked encodings one after another
(`Content-Encoding: gzip, gzip` squares the ratio). So we read the *raw*
bytes (`iter_raw`), count them against the cap as they arrive, and inflate
with zlib's `max_length` so the output is bounded at every step, never only
at the end. Stacked encodings are refused outright: no legitimate site needs
them, and they exist in the wild mainly as bombs. We only advertise gzip and
deflate, so brotli/zstd answers are refused as `unsupported_encoding`.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass

import httpx

CHUNK = 64 * 1024
# Decoded/raw ratio above which an over-cap body is called a bomb rather than
# merely large: HTML compresses 5-10x, feeds up to ~20x; zeros 1000x.
BOMB_RATIO = 100


@dataclass
class Body:
    data: bytes | None
    error: str | None = None
    detail: str | None = None
    raw_bytes: int = 0
    truncated: bool = False


class _Inflater:
    """gzip (incl. multi-member) or deflate (zlib-wrapped or raw), output bounded per call."""

    def __init__(self, encoding: str):
        self.encoding = encoding
        self._d = self._new()
        self._first = True
        self.consumed = 0  # compressed bytes actually inflated so far (for the bomb ratio)

    def _new(self):
        return zlib.decompressobj(16 + zlib.MAX_WBITS if self.encoding == "gzip" else zlib.MAX_WBITS)

    def feed(self, data: bytes, limit: int) -> bytes:
        """Inflate `data`, producing at most `limit` + 1 bytes (one more tells us the cap is exceeded)."""
        out = bytearray()
        while data and len(out) <= limit:
            try:
                piece = self._d.decompress(data, limit + 1 - len(out))
            except zlib.error:
                if self.encoding == "deflate" and self._first:
                    # Many servers send raw deflate under "deflate": retry headerless.
                    self._d, self._first = zlib.decompressobj(-zlib.MAX_WBITS), False
                    continue
                raise
            self._first = False
            out += piece
            rest = self._d.unused_data if self._d.eof else self._d.unconsumed_tail
            self.consumed += len(data) - len(rest)
            if self._d.eof and self._d.unused_data:
                data = self._d.unused_data  # next gzip member
                self._d = self._new()
            else:
                data = self._d.unconsumed_tail
        return bytes(out)

    def finish_ok(self) -> bool:
        return self._d.eof or self.encoding == "deflate"


def content_encodings(resp: httpx.Response) -> list[str]:
    values = ",".join(resp.headers.get_list("content-encoding"))
    return [e.strip().lower() for e in values.split(",") if e.strip() and e.strip().lower() != "identity"]


def read_body(resp: httpx.Response, max_bytes: int, truncate: bool = False) -> Body:
    """The decoded body, at most `max_bytes` (raw and decoded); `truncate` keeps the head instead of failing."""
    encs = content_encodings(resp)
    if len(encs) > 1:
        return Body(None, "stacked_encoding", f"Content-Encoding: {', '.join(encs)}")
    enc = {"x-gzip": "gzip"}.get(encs[0], encs[0]) if encs else None
    if enc not in (None, "gzip", "deflate"):
        return Body(None, "unsupported_encoding", f"Content-Encoding: {enc}")
    declared = resp.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes and not truncate:
        return Body(None, "too_large", f"Content-Length {declared} over the {max_bytes}-byte cap")

    inflater = _Inflater(enc) if enc else None
    out = bytearray()
    raw = 0
    for chunk in resp.iter_raw(CHUNK):
        raw += len(chunk)
        if raw > max_bytes and not truncate:
            return Body(None, "too_large", f"body over the {max_bytes}-byte cap (stopped reading)", raw)
        if raw > max_bytes and not inflater:  # truncate: keep the head, stop reading
            out += chunk
            return Body(bytes(out[:max_bytes]), raw_bytes=raw, truncated=True)
        try:
            piece = inflater.feed(chunk, max_bytes - len(out)) if inflater else chunk
        except zlib.error as exc:
            return Body(None, "decode_error", f"{enc}: {exc}", raw)
        out += piece
        if len(out) > max_bytes:
            if truncate:
                return Body(bytes(out[:max_bytes]), raw_bytes=raw, truncated=True)
            if inflater and len(out) > BOMB_RATIO * max(1, inflater.consumed):
                return Body(None, "decompression_bomb", f"{enc}: {inflater.consumed} bytes inflate past {max_bytes} (>{BOMB_RATIO}x)", raw)
            return Body(None, "too_large", f"decoded body over the {max_bytes}-byte cap", raw)
    if inflater and not inflater.finish_ok():
        return Body(None, "decode_error", f"{enc} stream truncated", raw)
    return Body(bytes(out), raw_bytes=raw)
