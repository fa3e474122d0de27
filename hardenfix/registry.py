"""The rule catalogue: every `Rule` subclass under `hardenfix.rules`, and selection."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from functools import cache

from hardenfix import rules as rules_package
from hardenfix.model import FileKind, Finding
from hardenfix.rule import Rule


class SelectionError(ValueError):
    pass


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule, ordered by code. Rule modules import nothing heavy at module level."""
    found: dict[str, type[Rule]] = {}
    for module_info in pkgutil.walk_packages(rules_package.__path__, f"{rules_package.__name__}."):
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value.__module__ == module.__name__:
                if value.code in found:
                    raise RuntimeError(f"rule code {value.code} is defined twice")
                found[value.code] = value
    return tuple(found[code] for code in sorted(found))


def rules_of_kind(kind: FileKind) -> tuple[type[Rule], ...]:
    """Every rule that checks files of `kind`, selected or not."""
    return tuple(rule for rule in all_rules() if rule.kind is kind)


def rule_by_code(code: str) -> type[Rule] | None:
    for rule in all_rules():
        if rule.code == code.upper() or rule.slug == code.lower():
            return rule
    return None


def matches(selector: str, rule: type[Rule] | Rule | Finding) -> bool:
    """A selector is `ALL`, a code (`HF101`), a code prefix (`HF1`) or a slug; it matches
    anything with a code and a slug: a rule, or a finding."""
    selector = selector.strip()
    return selector.upper() == "ALL" or rule.code.startswith(selector.upper()) or rule.slug == selector.lower()


def validate_selectors(selectors: Iterable[str]) -> None:
    for selector in selectors:
        if not any(matches(selector, rule) for rule in all_rules()):
            raise SelectionError(f"unknown rule selector {selector!r}: not a rule code, code prefix or slug")


def select_rules(select: Iterable[str] | None, ignore: Iterable[str] = ()) -> list[type[Rule]]:
    """Rules chosen by `select` (default: all), minus those matched by `ignore`."""
    select = list(select) if select is not None else ["ALL"]
    ignore = list(ignore)
    validate_selectors([*select, *ignore])
    return [
        rule
        for rule in all_rules()
        if any(matches(s, rule) for s in select) and not any(matches(i, rule) for i in ignore)
    ]
