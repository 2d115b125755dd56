"""Raw page bytes, compressed and content-addressed, so extraction and
classification can be re-run without fetching again.

Layout: `<root>/ab/cd/<sha256>.html.gz` where `abcd...` is the sha256 of the
uncompressed bytes (the same value as `articles.raw_sha256`). Files are
written once: to a temporary file in the target directory, then renamed
into place, so a reader never sees half a file and two writers of the same
page cannot corrupt it. gzip (standard library) rather than zstd: it needs
no extra dependency and pages compress ~5x either way.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

SUFFIX = ".html.gz"
# gzip level 1, not the library's 6: every fetched page is compressed in the
# flow process on the cores the extraction workers need, and on real news
# pages (170 KB on average) level 6 took 3.7 ms of CPU a page, half a bare
# trafilatura extraction (7.2 ms), and level 1 1.5 ms, for files 16% smaller
# (bench/RESULTS.md, "Raw store compression"). Files written at any level
# read back the same.
COMPRESS_LEVEL = 1


class RawStore:
    def __init__(self, root: Path | str):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        sha256 = sha256.lower()
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / f"{sha256}{SUFFIX}"

    def __contains__(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, body: bytes) -> str:
        """Store the bytes (once) and return their sha256."""
        sha = hashlib.sha256(body).hexdigest()
        target = self.path(sha)
        if target.is_file():
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=SUFFIX, dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                # mtime=0: the same bytes always give the same file
                with gzip.GzipFile(fileobj=f, mode="wb", compresslevel=COMPRESS_LEVEL, mtime=0) as gz:
                    gz.write(body)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return sha

    def put_many(self, bodies: Iterable[bytes]) -> list[str]:
        return [self.put(b) for b in bodies]

    def get(self, sha256: str) -> bytes:
        """The original bytes; raises FileNotFoundError if never stored and
        ValueError if the file does not hash back to its name."""
        body = gzip.decompress(self.path(sha256).read_bytes())
        if hashlib.sha256(body).hexdigest() != sha256.lower():
            raise ValueError(f"raw store file for {sha256} is corrupt")
        return body

    def __iter__(self) -> Iterator[str]:
        for p in sorted(self.root.glob(f"??/??/*{SUFFIX}")):
            yield p.name[: -len(SUFFIX)]
