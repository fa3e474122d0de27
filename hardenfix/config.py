"""Settings: from a TOML file (`--config`), then command-line flags on top.

Every key is validated when loaded, including each rule's options, so that a
typo is one clear error before any file is touched.

```toml
select = ["HF1"]
ignore = ["HF110"]
unsafe-fixes = false

[rules.HF101]
start-period = "45s"

[pins]                       # image repository -> tag, added to the built-in pins
"example/api" = "1.4.2"

[images."example/api"]       # facts about an image, added to the built-in ones
tools = ["sh", "curl"]
class = "api"
healthcheck = ["CMD", "curl", "-sf", "http://localhost:8000/healthz"]
```

In `pyproject.toml` the same keys live under `[tool.hardenfix]`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hardenfix.knowledge import ImageFacts, KnowledgeBase, builtin, facts_from_table
from hardenfix.registry import SelectionError, rule_by_code, select_rules, validate_selectors
from hardenfix.rule import Rule


class ConfigError(Exception):
    """An invalid configuration; the message names the file and the key."""


@dataclass(frozen=True)
class Settings:
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    unsafe_fixes: bool = False
    rule_options: dict[str, Any] = field(default_factory=dict)
    """Rule code -> that rule's validated Options instance."""
    pins: dict[str, str] = field(default_factory=dict)
    images: dict[str, ImageFacts] = field(default_factory=dict)

    def knowledge(self) -> KnowledgeBase:
        return builtin().extended(pins=self.pins, images=self.images)

    def rules(self) -> list[Rule]:
        knowledge = self.knowledge()
        return [
            rule(self.rule_options.get(rule.code), knowledge) for rule in select_rules(self.select, self.ignore)
        ]

    def fingerprint(self) -> str:
        """Changes whenever these settings could change what a file is reported for."""
        rules = [(rule.code, repr(rule.options)) for rule in self.rules()]
        knowledge = (sorted(self.pins.items()), sorted((k, repr(v)) for k, v in self.images.items()))
        return hashlib.sha256(repr((rules, knowledge, self.unsafe_fixes)).encode()).hexdigest()[:16]

    def with_overrides(
        self,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        unsafe_fixes: bool | None = None,
    ) -> Settings:
        try:
            validate_selectors([*(select or ()), *(ignore or ())])
        except SelectionError as error:
            raise ConfigError(str(error)) from None
        return dataclasses.replace(
            self,
            select=tuple(select) if select is not None else self.select,
            ignore=(*self.ignore, *ignore) if ignore else self.ignore,
            unsafe_fixes=self.unsafe_fixes if unsafe_fixes is None else unsafe_fixes,
        )


_TOP_LEVEL_KEYS = {
    "select": "a list of rule codes",
    "ignore": "a list of rule codes",
    "unsafe-fixes": "true or false",
    "rules": "a table of rule options",
    "pins": "a table of image repository -> tag",
    "images": "a table of image facts by repository",
}
_IMAGE_KEYS = {"tools": list, "class": str, "healthcheck": list, "source": str, "variants": dict}
_SERVICE_CLASSES = ("data", "api", "worker", "diagnostic")


def load(path: Path) -> Settings:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    if path.name == "pyproject.toml":
        document = document.get("tool", {}).get("hardenfix", {})
    return from_mapping(document, str(path))


def from_mapping(table: dict[str, Any], source: str) -> Settings:
    for key in table:
        if key not in _TOP_LEVEL_KEYS:
            raise ConfigError(f"{source}: unknown key {key!r}; expected one of {', '.join(sorted(_TOP_LEVEL_KEYS))}")
    select = _selectors(table, "select", source)
    ignore = _selectors(table, "ignore", source) or ()
    unsafe = table.get("unsafe-fixes", False)
    if not isinstance(unsafe, bool):
        raise ConfigError(f"{source}: 'unsafe-fixes' must be true or false, not {unsafe!r}")
    rules = table.get("rules", {})
    if not isinstance(rules, dict):
        raise ConfigError(f"{source}: 'rules' must be a table of [rules.CODE] tables")
    options = {}
    for code, values in rules.items():
        rule = rule_by_code(code)
        if rule is None:
            raise ConfigError(f"{source}: [rules.{code}]: unknown rule code")
        if not isinstance(values, dict):
            raise ConfigError(f"{source}: [rules.{code}] must be a table of options")
        options[rule.code] = rule_options(rule, values, f"{source}: [rules.{code}]")
    return Settings(
        select=select,
        ignore=ignore,
        unsafe_fixes=unsafe,
        rule_options=options,
        pins=_pins(table.get("pins", {}), source),
        images=_images(table.get("images", {}), source),
    )


def _pins(table: Any, source: str) -> dict[str, str]:
    if not isinstance(table, dict) or not all(isinstance(v, str) and v for v in table.values()):
        raise ConfigError(f"{source}: 'pins' must be a table of image repository = \"tag\"")
    for repository, tag in table.items():
        if ":" in tag or "@" in tag or any(c.isspace() for c in tag):
            raise ConfigError(f"{source}: [pins] {repository!r}: {tag!r} is not a tag")
    return dict(table)


def _images(table: Any, source: str) -> dict[str, ImageFacts]:
    if not isinstance(table, dict):
        raise ConfigError(f"{source}: 'images' must be a table of [images.\"repository\"] tables")
    images = {}
    for repository, facts in table.items():
        where = f"{source}: [images.{repository!r}]"
        if not isinstance(facts, dict):
            raise ConfigError(f"{where} must be a table")
        for key, value in facts.items():
            expected = _IMAGE_KEYS.get(key)
            if expected is None:
                raise ConfigError(f"{where}: unknown key {key!r}; expected one of {', '.join(sorted(_IMAGE_KEYS))}")
            if not isinstance(value, expected):
                raise ConfigError(f"{where}: {key!r} must be a {expected.__name__}")
        if facts.get("class", "api") not in _SERVICE_CLASSES:
            raise ConfigError(f"{where}: 'class' must be one of {', '.join(_SERVICE_CLASSES)}")
        healthcheck = facts.get("healthcheck")
        if healthcheck is not None and (not healthcheck or healthcheck[0] not in ("CMD", "CMD-SHELL")):
            raise ConfigError(f"{where}: 'healthcheck' must be a Compose test list starting with CMD or CMD-SHELL")
        images[repository] = facts_from_table(repository, facts)
    return images


def _selectors(table: dict[str, Any], key: str, source: str) -> tuple[str, ...] | None:
    if key not in table:
        return None
    value = table[key]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{source}: {key!r} must be a list of rule codes, prefixes or slugs")
    try:
        validate_selectors(value)
    except SelectionError as error:
        raise ConfigError(f"{source}: {key!r}: {error}") from None
    return tuple(value)


def rule_options(rule: type[Rule], values: dict[str, Any], where: str) -> Any:
    """Build the rule's Options from TOML values (`kebab-case` keys), checking every type."""
    fields = {f.name.replace("_", "-"): f for f in dataclasses.fields(rule.Options)}
    hints = typing.get_type_hints(rule.Options)
    arguments = {}
    for key, value in values.items():
        if key not in fields:
            expected = ", ".join(sorted(fields)) or "none"
            raise ConfigError(f"{where}: unknown option {key!r} (options: {expected})")
        name = fields[key].name
        arguments[name] = _coerce(value, hints[name], f"{where}: {key!r}")
    try:
        return rule.Options(**arguments)
    except ValueError as error:
        raise ConfigError(f"{where}: {error}") from None


def _coerce(value: Any, hint: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is tuple:
        item_type = typing.get_args(hint)[0]
        if not isinstance(value, list):
            raise ConfigError(f"{where} must be a list of {item_type.__name__}")
        return tuple(_coerce(item, item_type, where) for item in value)
    if origin is dict:
        key_type, value_type = typing.get_args(hint)
        if not isinstance(value, dict):
            raise ConfigError(f"{where} must be a table")
        return {_coerce(k, key_type, where): _coerce(v, value_type, where) for k, v in value.items()}
    if origin in (typing.Union, types.UnionType):
        for option in typing.get_args(hint):
            try:
                return _coerce(value, option, where)
            except ConfigError:
                continue
        raise ConfigError(f"{where} has the wrong type: {value!r}")
    if hint is type(None):
        if value is not None:
            raise ConfigError(f"{where} must be empty")
        return None
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        raise ConfigError(f"{where} must be {hint.__name__}, not {type(value).__name__} {value!r}")
    return value
