"""The rule catalogue: every `Rule` subclass under `hardenfix.rules`, and selection.

A rule's module is named after its code and slug, in the folder of its file kind
(`rules/compose/hf101_healthcheck_start_period.py`), so the catalogue is read from the
modules' names, and a rule module is imported only when a file of its kind is
checked: a run over Compose files never loads the Python rules and their parsers.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from functools import cache

from hardenfix import rules as rules_package
from hardenfix.model import FileKind, Finding
from hardenfix.rule import Rule

_KIND_FOLDERS = {
    "meta": None,
    "compose": FileKind.COMPOSE,
    "dockerfile": FileKind.DOCKERFILE,
    "python": FileKind.PYTHON,
}
"""Each folder of rules, and the file kind its rules check (None: the engine's own, every kind)."""


class SelectionError(ValueError):
    pass


class Listed:
    """A rule as the catalogue lists it, its module not imported."""

    __slots__ = ("code", "kind", "module", "slug")

    def __init__(self, code: str, slug: str, kind: FileKind | None, module: str) -> None:
        self.code = code
        self.slug = slug
        self.kind = kind
        self.module = module

    def load(self) -> type[Rule]:
        return _rule_in(self.module)


@cache
def catalogue() -> tuple[Listed, ...]:
    """Every rule, ordered by code, read from its module's name."""
    found: dict[str, Listed] = {}
    for folder, kind in _KIND_FOLDERS.items():
        package = f"{rules_package.__name__}.{folder}"
        for name in os.listdir(os.path.join(rules_package.__path__[0], folder)):
            module, suffix = os.path.splitext(name)
            if suffix != ".py" or module == "__init__":
                continue
            code, _, slug = module.partition("_")
            if code.upper() in found:
                raise RuntimeError(f"rule code {code.upper()} is defined twice")
            found[code.upper()] = Listed(code.upper(), slug.replace("_", "-"), kind, f"{package}.{module}")
    return tuple(found[code] for code in sorted(found))


@cache
def _rule_in(module_name: str) -> type[Rule]:
    module = importlib.import_module(module_name)
    [rule] = [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, Rule) and value.__module__ == module.__name__
    ]
    return rule


def all_rules() -> tuple[type[Rule], ...]:
    """Every rule, ordered by code (every rule module imported: for the catalogue's reports)."""
    return tuple(listed.load() for listed in catalogue())


def rules_of_kind(kind: FileKind) -> tuple[type[Rule], ...]:
    """Every rule that checks files of `kind`, selected or not."""
    return tuple(listed.load() for listed in catalogue() if listed.kind is kind)


def rule_by_code(code: str) -> type[Rule] | None:
    for listed in catalogue():
        if listed.code == code.upper() or listed.slug == code.lower():
            return listed.load()
    return None


def matches(selector: str, rule: type[Rule] | Rule | Listed | Finding) -> bool:
    """A selector is `ALL`, a code (`HF101`), a code prefix (`HF1`) or a slug; it matches
    anything with a code and a slug: a rule, or a finding."""
    selector = selector.strip()
    return selector.upper() == "ALL" or rule.code.startswith(selector.upper()) or rule.slug == selector.lower()


def validate_selectors(selectors: Iterable[str]) -> None:
    for selector in selectors:
        if not any(matches(selector, listed) for listed in catalogue()):
            raise SelectionError(f"unknown rule selector {selector!r}: not a rule code, code prefix or slug")


def select_rules(select: Iterable[str] | None, ignore: Iterable[str] = ()) -> list[Listed]:
    """Rules chosen by `select` (default: all), minus those matched by `ignore`."""
    select = list(select) if select is not None else ["ALL"]
    ignore = list(ignore)
    validate_selectors([*select, *ignore])
    return [
        listed
        for listed in catalogue()
        if any(matches(s, listed) for s in select) and not any(matches(i, listed) for i in ignore)
    ]
