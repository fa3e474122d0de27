"""Regular expressions compiled when first used.

A module that keeps its patterns compiled (`_WORD = re.compile(...)`) compiles them all when
it is imported, whether or not the run uses them: 189 patterns in hardenfix's modules, most
of them for files a given run never sees. Compiling those a one-file check imports came to a
twelfth of its instructions (`scripts/bench-results.md`). `lazy` stands in for `re.compile`
at module level and compiles the pattern when a method of it is first asked for; from then on
the pattern's methods are found on the stand-in itself, as fast as on the pattern.
"""

from __future__ import annotations

import re
from typing import Any, AnyStr, cast

_FORWARDED = (
    "findall",
    "finditer",
    "flags",
    "fullmatch",
    "groupindex",
    "groups",
    "match",
    "pattern",
    "scanner",
    "search",
    "split",
    "sub",
    "subn",
)
"""Everything a compiled pattern offers, held on the stand-in once it is compiled."""


class _Deferred:
    def __init__(self, pattern: str | bytes, flags: int) -> None:
        self._arguments = (pattern, flags)

    def __getattr__(self, name: str) -> Any:
        if name not in _FORWARDED:
            raise AttributeError(name)
        compiled = re.compile(*self._arguments)
        for attribute in _FORWARDED:
            setattr(self, attribute, getattr(compiled, attribute))
        return getattr(compiled, name)

    def __reduce__(self) -> tuple[type[_Deferred], tuple[str | bytes, int]]:
        return _Deferred, self._arguments  # what it holds once compiled does not pickle

    def __repr__(self) -> str:
        pattern, flags = self._arguments
        return f"regexes.lazy({pattern!r}{f', {re.RegexFlag(flags)!r}' if flags else ''})"


def lazy(pattern: AnyStr, flags: int = 0) -> re.Pattern[AnyStr]:
    """`re.compile(pattern, flags)`, compiled when the pattern is first used; an invalid
    pattern raises `re.error` then."""
    return cast("re.Pattern[AnyStr]", _Deferred(pattern, flags))
