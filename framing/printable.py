"""Text from the network on a terminal: never markup, never control codes.

Article sentences, titles and URLs are third-party bytes; an escape sequence in
one would drive the operator's terminal, a `[/]` would break Rich's output."""
from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def plain(text: object) -> str:
    """Without control codes (tab and newline stay), for a plain print()."""
    return _CONTROL.sub("", str(text))


def safe(text: object) -> str:
    """Printed literally by Rich: no markup, no control codes."""
    from rich.markup import escape

    return escape(plain(text))
