"""`hardenfix config`: the effective settings as TOML a project can paste into its own
configuration, each value followed by a comment that says where it came from (a file,
a flag, or `default`).

Every rule in effect that has options gets its `[rules.CODE]` table with every option,
defaults included, so the output also shows what can be set.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hardenfix import regexes
from hardenfix.config import Settings
from hardenfix.knowledge import ImageFacts
from hardenfix.rule import NoOptions, Rule

_BARE_KEY = regexes.lazy(r"[A-Za-z0-9_-]+")


def render(settings: Settings, rules: Sequence[Rule], cwd: Path) -> str:
    def origin(key: str) -> str:
        where = settings.origins.get(key, "default")
        return os.path.relpath(where, cwd) if os.path.isabs(where) else where

    lines = [
        "# The effective hardenfix configuration; after each value, where it came from.",
        f"# Rules in effect: {', '.join(rule.code for rule in rules) or 'none'}.",
        "",
        _pair("select", list(settings.select or ("ALL",)), origin("select")),
        _pair("extend-select", list(settings.extend_select), origin("extend-select")),
        _pair("ignore", list(settings.ignore), origin("ignore")),
        _pair("unsafe-fixes", settings.unsafe_fixes, origin("unsafe-fixes")),
        _pair("exclude", [pattern for _, pattern in settings.exclude], origin("exclude")),
        _pair("fail-on", list(settings.fail_on), origin("fail-on")),
        _pair("online", settings.online, origin("online")),
        _pair("platform", settings.platform, origin("platform")),
        _pair("pin-digests", settings.pin_digests, origin("pin-digests")),
    ]
    if settings.registry_mirrors:
        lines += ["", "[registry-mirrors]"]
        lines += [
            _pair(registry, url, origin(f"registry-mirrors.{registry}"))
            for registry, url in settings.registry_mirrors.items()
        ]
    if settings.per_file_ignores:
        lines += ["", "[per-file-ignores]"]
        lines += [
            _pair(glob, list(selectors), origin(f"per-file-ignores.{glob}"))
            for _, glob, selectors in settings.per_file_ignores
        ]
    for rule in rules:
        if rule.Options is NoOptions:
            continue
        lines += ["", f"[rules.{rule.code}]  # {origin(f'rules.{rule.code}')}"]
        for name in rule.options.names():
            value = getattr(rule.options, name)
            key = name.replace("_", "-")
            lines.append(f"{_key(key)} = {_value(value)}" if value is not None else f"# {key}: not set")
    if settings.pins:
        lines += ["", "[pins]"]
        lines += [_pair(image, tag, origin(f"pins.{image}")) for image, tag in settings.pins.items()]
    for image, facts in settings.images.items():
        lines += ["", f"[images.{_key(image)}]  # {origin(f'images.{image}')}"]
        lines += [f"{_key(key)} = {_value(value)}" for key, value in _image_table(facts).items()]
    return "\n".join(lines) + "\n"


def _image_table(facts: ImageFacts) -> dict[str, Any]:
    """The `[images."repository"]` table that gives a project's description of its image
    (`knowledge.images.project_image` reads it back)."""
    whole = next((entry for entry in facts.tools if not entry.variant), None)
    table: dict[str, Any] = {"tools": sorted(whole.ships) if whole else [], "class": facts.service_class}
    if facts.probes:
        table["healthcheck"] = list(facts.probes[0].test)
    table["source"] = facts.source
    variants = {entry.variant[0]: sorted(entry.ships) for entry in facts.tools if len(entry.variant) == 1}
    if variants:
        table["variants"] = variants
    return table


def _pair(key: str, value: Any, origin: str) -> str:
    return f"{_key(key)} = {_value(value)}  # {origin}"


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(str(k))} = {_value(v)}" for k, v in value.items()) + " }" if value else "{}"
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return "[" + ", ".join(_value(item) for item in items) + "]"
    raise TypeError(f"no TOML for {type(value).__name__} {value!r}")


def _string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's, except that TOML also escapes DEL."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007F")
