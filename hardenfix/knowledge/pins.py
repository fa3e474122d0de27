"""Pins for floating image references, chosen so that they are never wrong.

A pin replaces `latest` (or no tag) with a release from the pin table. The table
is dated: releases go on after it was written, so every pin says the date and asks
for the current release to be checked. A pin is refused rather than guessed when
the files say something the pin would break:

- the distribution: a build that runs `apt-get` needs a Debian or Ubuntu image, one
  that runs `apk` an Alpine one; the pin names the same variant as the reference
  (the image's default one), so it is refused when that variant is built on another
  distribution than the files use;
- the release line: `apt-get install postgresql-16-pgvector`, `ENV PG_MAJOR 16` or
  `/usr/lib/postgresql/16/` need PostgreSQL 16, not the newest release; a Compose
  volume named for a version (`pg16-data`) is weaker evidence of the same.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from hardenfix import regexes
from hardenfix.knowledge.versions import parse_tag, parse_version

_PACKAGE_MANAGERS = {
    "apt": regexes.lazy(r"\b(?:apt-get|apt-cache|aptitude|dpkg)\b|\bapt\s+(?:install|update|upgrade|remove|purge)\b"),
    "apk": regexes.lazy(r"\bapk\s+(?:add|del|update|upgrade|fix|--)"),
    "rpm": regexes.lazy(r"\b(?:microdnf|dnf|yum)\s+\S|\brpm\s+-"),
}
_DISTRO_PACKAGES = {"debian": "apt", "ubuntu": "apt", "alpine": "apk", "oracle": "rpm", "ubi": "rpm"}
_DISTRO_NAMES = {"oracle": "Oracle Linux", "ubi": "Red Hat UBI", "scratch": "an empty image", "busybox": "busybox"}
_PACKAGE_DISTROS = {"apt": "Debian or Ubuntu", "apk": "Alpine", "rpm": "an RPM-based distribution"}


class Pin(NamedTuple):
    repository: str
    releases: tuple[str, ...]
    """Tags of the image's default variant, newest first."""
    source: str
    date: str | None = None
    """When the releases were read (`2024-12`); None for a project's own pin."""
    line_patterns: tuple[re.Pattern[str], ...] = ()
    """What in a build names the release line it needs: one group, the line (`16`)."""
    volume_patterns: tuple[re.Pattern[str], ...] = ()
    """The same, in a Compose volume: weaker evidence."""


class Evidence:
    """What the files that use an image say of the image they need, each with where it was seen."""

    __slots__ = ("lines", "packages")

    packages: dict[str, str]
    """Package manager (apt, apk, rpm) -> the command that uses it."""
    lines: dict[str, str]
    """Release line (`16`) -> what names it, as `X needs` or, for weaker evidence, `X suggests`."""

    def __init__(self) -> None:
        self.packages = {}
        self.lines = {}

    def read(self, pin: Pin, text: str, volume: bool = False) -> None:
        """Read what a piece of text (an instruction, a command; a volume when `volume`) says."""
        for manager, pattern in () if volume else _PACKAGE_MANAGERS.items():
            match = pattern.search(text)
            if match is not None:
                self.packages.setdefault(manager, f"`{match.group().strip()}`")
        for pattern in pin.volume_patterns if volume else pin.line_patterns:
            for match in pattern.finditer(text):
                where = f"the volume `{text}` suggests" if volume else f"`{match.group()}` needs"
                self.lines.setdefault(match.group(1), where)


class PinChoice(NamedTuple):
    tag: str | None
    """None when no pin can be trusted."""
    explanation: str
    """Why this tag, and what to check; or why none."""


def choose_pin(pin: Pin, distro: str | None, evidence: Evidence, data_store: bool) -> PinChoice:
    """The release to pin, for an image whose default variant is built on `distro`."""
    if len(evidence.packages) > 1:
        uses = " and ".join(evidence.packages.values())
        return PinChoice(None, f"no pin: {uses} are package managers of different distributions")
    for manager, where in evidence.packages.items():
        needed = _PACKAGE_DISTROS[manager]
        if distro is None:
            return PinChoice(
                None, f"no pin: {where} needs {needed}, and hardenfix does not know what `{pin.repository}` is built on"
            )
        if _DISTRO_PACKAGES.get(distro) != manager:
            built_on = _DISTRO_NAMES.get(distro, distro.title())
            return PinChoice(None, f"no pin: {where} needs {needed}, and `{pin.repository}` is built on {built_on}")
    releases = list(pin.releases)
    newest = "release"
    if len(evidence.lines) > 1:
        named = ", ".join(f"{where} {line}" for line, where in evidence.lines.items())
        return PinChoice(None, f"no pin: the files name several releases: {named}")
    for line, where in evidence.lines.items():
        wanted = parse_version(line).numbers
        releases = [tag for tag in releases if (parse_tag(tag).numbers or ())[: len(wanted)] == wanted]
        if not releases:
            return PinChoice(None, f"no pin: {where} {line}, and the pin table has no {line} release")
        newest = f"{line} release ({where} {line})"
    if pin.date is None:
        return PinChoice(releases[0], f"pin to `{releases[0]}` from the project's pins")
    warning = "; a data store pinned below the major that created its volume will not start" if data_store else ""
    table = f"the pin table of {pin.date}: check the current release"
    return PinChoice(releases[0], f"pin to `{releases[0]}`, the newest {newest} in {table}{warning}")


def load_pin(repository: str, table: Any) -> Pin:
    """A pin from the built-in `pins.toml` (a table), or a project's `[pins]` (a tag)."""
    if isinstance(table, str):
        return Pin(repository, (table,), "project configuration")
    unknown = set(table) - {"releases", "date", "source", "line-evidence", "volume-evidence"}
    if unknown:
        raise ValueError(f"pins.toml [{repository!r}]: unknown keys {sorted(unknown)}")
    return Pin(
        repository,
        tuple(table["releases"]),
        table["source"],
        table["date"],
        _patterns(table.get("line-evidence", ())),
        _patterns(table.get("volume-evidence", ())),
    )


def _patterns(texts: Iterable[str]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(text) for text in texts)
