"""What did the server actually send? Content type, magic bytes and encoding.

Checked before extraction, because a feed's "article" link is often a PDF
report, a podcast MP3 or an image, and trafilatura would spend seconds turning
binary noise into a "text" that then pollutes the classifier. The declared
Content-Type is a hint servers get wrong both ways (PDFs as text/html, pages
as application/octet-stream), so the first bytes decide.

Encoding: trafilatura, handed bytes, tries UTF-8 and then guesses; it never
sees the HTTP header's charset (we pass it only the body). So when the body is
not valid UTF-8 we pick the encoding ourselves (header charset, byte-order
mark, <meta charset>, else chardet) and hand trafilatura UTF-8 *bytes*, never
a decoded str. The warehouse keeps the hash of the raw bytes.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import chardet

# (magic prefix, label). Enough to recognise what think-tank feeds link to
# besides HTML: reports (PDF, Office = ZIP), media, archives.
MAGIC = [
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "zip/office document"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"RIFF", "riff (webp/wav/avi)"),
    (b"ID3", "mp3"),
    (b"OggS", "ogg"),
    (b"\x00\x00\x00\x18ftyp", "mp4"),
    (b"\x00\x00\x00\x20ftyp", "mp4"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ms office (ole)"),
    (b"\x7fELF", "executable"),
    (b"MZ", "executable"),
]
BINARY_TYPES = ("image/", "audio/", "video/", "font/", "application/zip", "application/gzip",
                "application/x-", "application/vnd.", "application/msword", "application/octet-stream")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([a-zA-Z0-9_\-.]+)""", re.I)


@dataclass(frozen=True)
class Verdict:
    error: str | None  # None: go ahead; else a reason code (pdf_content, binary_content)
    detail: str | None = None


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def header_charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        k, _, v = part.partition("=")
        if k.strip().lower() == "charset" and v.strip():
            return _known(v.strip().strip("\"'"))
    return None


def _known(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def sniff(body: bytes, content_type: str | None) -> Verdict:
    """Is this body worth handing to a text/feed parser?"""
    head = body[:64]
    for magic, label in MAGIC:
        if head.startswith(magic):
            code = "pdf_content" if label == "pdf" else "binary_content"
            return Verdict(code, f"{label} (declared {media_type(content_type) or 'no type'})")
    mt = media_type(content_type)
    if mt == "application/pdf":
        return Verdict("pdf_content", "declared application/pdf")
    # NUL bytes do not occur in text in any encoding we accept, UTF-16 aside
    # (which starts with a BOM): a cheap, reliable binary test.
    sample = body[:4096]
    if b"\x00" in sample and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Verdict("binary_content", f"NUL bytes in body (declared {mt or 'no type'})")
    if mt.startswith(BINARY_TYPES) and not _looks_like_markup(sample):
        return Verdict("binary_content", f"declared {mt}")
    return Verdict(None)


def _looks_like_markup(sample: bytes) -> bool:
    s = sample.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return s.startswith((b"<!doctype", b"<html", b"<?xml", b"<rss", b"<feed", b"<head", b"<body", b"<!--", b"<"))


def detect_encoding(body: bytes, content_type: str | None) -> tuple[str, str]:
    """(encoding, where it came from: bom | header | meta | utf-8 | detected | fallback)."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return enc, "bom"
    declared = header_charset(content_type)
    if declared:
        return declared, "header"
    head = body[:4096]
    m = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    if m and _known(m.group(1).decode("ascii", "ignore")):
        return _known(m.group(1).decode("ascii", "ignore")), "meta"  # type: ignore[return-value]
    try:
        body.decode("utf-8")
        return "utf-8", "utf-8"
    except UnicodeDecodeError:
        pass
    # Undeclared and not UTF-8: guess from a bounded sample (chardet is slow
    # on megabytes, and the first 64 KB carry the signal).
    guess = chardet.detect(body[:65536])
    enc = _known(guess.get("encoding"))
    if enc:
        return enc, "detected"
    return "windows-1252", "fallback"  # what browsers assume for undeclared Western pages


def utf8_bytes(body: bytes, content_type: str | None) -> tuple[bytes, str, str]:
    """The page as UTF-8 bytes for trafilatura, with the encoding used and its source.

    A header charset that lies (says utf-8 but the bytes are not) falls
    through to detection rather than producing replacement characters.
    """
    enc, source = detect_encoding(body, content_type)
    if enc in ("utf-8", "utf_8"):
        try:
            body.decode("utf-8")
            return body, "utf-8", source
        except UnicodeDecodeError:
            guess = _known(chardet.detect(body[:65536]).get("encoding")) or "windows-1252"
            enc, source = guess, "detected"
    try:
        text = body.decode(enc, errors="replace")
    except LookupError:
        text, enc, source = body.decode("utf-8", errors="replace"), "utf-8", "fallback"
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.encode("utf-8"), enc, source
