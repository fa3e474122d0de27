"""Host names written in configuration: find URL hosts around variables, lowercase them.

Text is searched with its variable references masked (`mask_interpolations`), so a
host can be found and changed around `${STACK}` without touching the variable.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from hardenfix.sources.compose import MASK

# Scheme, optional user info, then the host (up to a port, path, query or quote).
_URL_HOST = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://(?:[^\s/?#@]*@)?([^\s/?#:@\[\]'\",]+)")

WHY_LOWERCASE = "proxies, certificates and caches compare hosts as strings"


def url_hosts(masked: str, start: int = 0) -> Iterator[tuple[int, int]]:
    """Spans of the hosts of URLs in `masked` (text with its variables masked), from `start`."""
    for match in _URL_HOST.finditer(masked, start):
        yield match.span(1)


def lowercased(original: str, masked: str) -> str | None:
    """`original` with its letters lowercased except inside variables (where `masked` holds
    MASK); None when nothing outside variables is upper case."""
    if masked == masked.lower():
        return None
    return "".join(char.lower() if mask != MASK else char for char, mask in zip(original, masked, strict=True))
