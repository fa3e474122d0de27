"""Patterns compiled when first used (`hardenfix.regexes`)."""

from __future__ import annotations

import importlib
import pickle
import pkgutil
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hardenfix
from hardenfix import regexes


def _deferred_in(value: Any, seen: set[int]) -> Iterator[Any]:
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, regexes._Deferred):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _deferred_in(item, seen)
    elif isinstance(value, tuple | list | frozenset | set):
        for item in value:
            yield from _deferred_in(item, seen)


def _deferred_patterns() -> list[Any]:
    found: list[Any] = []
    seen: set[int] = set()
    for module_info in pkgutil.walk_packages(hardenfix.__path__, "hardenfix."):
        if module_info.name == "hardenfix.__main__":  # runs the command
            continue
        module = importlib.import_module(module_info.name)
        for value in list(vars(module).values()):
            if isinstance(value, type) and value.__module__ == module.__name__:
                for attribute in list(vars(value).values()):
                    found.extend(_deferred_in(attribute, seen))
            else:
                found.extend(_deferred_in(value, seen))
    return found


def test_every_deferred_pattern_compiles() -> None:
    # An invalid pattern no longer fails the import of its module: it would fail the first
    # run that uses it. Each one a module keeps is compiled here instead.
    deferred = _deferred_patterns()
    written = sum(path.read_text().count("regexes.lazy(") for path in Path(hardenfix.__file__).parent.rglob("*.py"))
    assert len(deferred) == written - 1  # less the one in `regexes.py`'s own repr
    for pattern in deferred:
        assert isinstance(pattern.pattern, str | bytes)  # compiles it, or raises re.error


def test_a_deferred_pattern_is_compiled_once_and_behaves_as_compiled() -> None:
    pattern = regexes.lazy(r"(?P<word>[a-z]+)", re.IGNORECASE)
    assert repr(pattern) == "regexes.lazy('(?P<word>[a-z]+)', re.IGNORECASE)"
    assert pattern.search("12 Abc").group("word") == "Abc"
    assert "search" in vars(pattern)  # found on the stand-in from now on
    assert (pattern.flags & re.IGNORECASE, pattern.groupindex) == (re.IGNORECASE, {"word": 1})
    assert pattern.sub("x", "ab cd") == "x x"
    assert pickle.loads(pickle.dumps(pattern)).fullmatch("Abc") is not None


def test_an_unused_deferred_pattern_is_never_compiled() -> None:
    pattern = regexes.lazy(r"(unbalanced")
    try:
        pattern.match("x")
    except re.error as error:
        assert "missing )" in str(error)
    else:
        raise AssertionError("an invalid pattern compiled")
