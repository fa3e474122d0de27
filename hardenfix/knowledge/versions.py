"""Image tags as versions: parse them, order them, and tell whether a range holds them.

A tag names a version and a variant: `10.6.4-focal` is MariaDB 10.6.4 on Ubuntu
focal, `17.2-bookworm` PostgreSQL 17.2 on Debian bookworm, `24.3.1.2672-alpine` a
ClickHouse build on Alpine, `RELEASE.2023-11-01T01-57-10Z` a MinIO release. A tag
with fewer numbers than the image's releases have (`11`, `10.6`) floats: it names
the newest release of that line, so it orders after every release of the line.
`latest`, a codename (`noble`), a channel (`lts`) or a pre-release (`11.7.1-rc`,
`3.14.0a3`) name no version hardenfix can order. A build id right after the version
(`1.41.3.9314-a0bfb8370`, Plex Media Server's version as plexinc/pms-docker tags it;
git's short hash, 7 hex digits, as CI-built images are tagged) names no variant: it is
one build of that version, of the default variant unless more words follow
(`...-a0bfb8370-tensorrt`).

Ranges are written with the image's own tags. A bound list (`since = ["10.3.34",
"10.4.24"]`) gives one bound per release line: the line of a bound is its version
without the last number, and a version is held to the bound of its own line; a line
newer than every listed one is past all of them, a line older than every listed one
before all of them. That is how a change that reached every maintained line at once
(an image rebuilt with a new file) is written down.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import NamedTuple

from hardenfix import regexes

FLOATING = float("inf")
"""Stands for every number after the last one a floating tag gives."""

_RELEASE_DATE = regexes.lazy(r"RELEASE\.(\d{4})-(\d\d)-(\d\d)T(\d\d)-(\d\d)-(\d\d)Z(?:[-_.](.*))?")
_NUMBERED = regexes.lazy(r"v?(\d{1,12}(?:\.\d{1,12})*)(?:([a-z][a-z0-9.]*))?(?:[-_](.*))?", re.IGNORECASE)
_PRERELEASE = regexes.lazy(r"(?:rc|alpha|beta|preview|a|b|m)\.?\d*", re.IGNORECASE)
_BUILD_ID = regexes.lazy(r"(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}")
"""A commit or build hash: 7 to 40 lowercase hex digits, at least one a digit and one a
letter (`a0bfb8370`): a word of letters alone (`defaced`) or digits alone (a date, an
image revision) is no hash, and no variant word has this shape (`alpine3.20`, `cuda12`,
`bookworm` have letters past `f`)."""
_SEPARATOR = regexes.lazy(r"[-_]")

# Words of a tag that name the distribution the image is built on, as the distribution
# it belongs to: `bookworm` and `debian` alike are Debian.
_DISTRO_WORDS = {
    **dict.fromkeys(("jessie", "stretch", "buster", "bullseye", "bookworm", "trixie", "debian"), "debian"),
    **dict.fromkeys(("xenial", "bionic", "focal", "jammy", "noble", "ubuntu"), "ubuntu"),
}
# Words that pick a release, not a variant: `lts-alpine` is the Alpine variant.
_CHANNELS = frozenset({"latest", "lts", "stable", "mainline", "current", "innovation"})
# A distribution's release (`debian-12`) or an image revision (`-r3`): the same variant.
_REVISION = regexes.lazy(r"r?\d+")
_DISTRO_PREFIXES = (("alpine", "alpine"), ("oraclelinux", "oracle"), ("oracle", "oracle"), ("ubi", "ubi"))


class Tag(NamedTuple):
    """What a tag says: its version (None when it names none hardenfix can order) and
    the words of its variant, each distribution word as its distribution."""

    text: str
    numbers: tuple[int, ...] | None
    variant: tuple[str, ...]

    def version(self, release_parts: int) -> Version | None:
        """The version, for an image whose releases have `release_parts` numbers."""
        if self.numbers is None:
            return None
        return Version(self.numbers, floating=len(self.numbers) < release_parts)


class Version(NamedTuple):
    numbers: tuple[int, ...]
    floating: bool = False
    """It names the newest release of a line (`10.6`), not one release (`10.6.4`)."""

    def key(self, width: int) -> tuple[float, ...]:
        """Comparable with other keys of the same width: a floating version after every
        release of its line, a bound (`11` as in `until = "11"`) at the start of it."""
        padding = FLOATING if self.floating else 0
        return (*self.numbers, *[padding] * (width - len(self.numbers)))

    def start(self, width: int) -> tuple[float, ...]:
        """The first release this version can be: a floating tag's line starts at `.0`."""
        return (*self.numbers, *[0] * (width - len(self.numbers)))

    def __str__(self) -> str:
        return ".".join(map(str, self.numbers))


def parse_tag(tag: str, leading: Collection[str] = ()) -> Tag:
    """Parse a tag: `10.6.4-focal`, `v1.11`, `17.2-alpine3.21`, `RELEASE.2023-11-01T01-57-10Z`;
    a first word among `leading` (`alpine` of `alpine-7.0-latest`) is a variant word, and the
    rest is read as a tag of its own."""
    first, dash, rest = tag.partition("-")
    if dash and rest and first.lower() in leading:
        after_first = parse_tag(rest)
        return Tag(tag, after_first.numbers, (*_variant(first), *after_first.variant))
    release = _RELEASE_DATE.fullmatch(tag)
    if release is not None:
        *date, rest = release.groups()
        return Tag(tag, tuple(int(part) for part in date), _variant(rest or ""))
    numbered = _NUMBERED.fullmatch(tag)
    if numbered is None:
        return Tag(tag, None, _variant(tag))
    numbers, glued, rest = numbered.groups()
    if rest is not None:
        first, *after_first = _SEPARATOR.split(rest, maxsplit=1)
        if _BUILD_ID.fullmatch(first):  # `1.41.3.9314-a0bfb8370`: not a pre-release `-b1234567`
            rest = after_first[0] if after_first else None
    words = _variant(rest or "")
    prerelease = glued is not None or any(_PRERELEASE.fullmatch(word) for word in (rest or "").split("-"))
    if glued is not None and not _PRERELEASE.fullmatch(glued):
        return Tag(tag, None, _variant(tag))  # `2.10alpine`: not a version hardenfix knows how to read
    return Tag(tag, None if prerelease else tuple(int(part) for part in numbers.split(".")), words)


def _variant(text: str) -> tuple[str, ...]:
    words = []
    for word in re.split(r"[-_]", text.lower()):
        if not word or _PRERELEASE.fullmatch(word) or word in _CHANNELS or _REVISION.fullmatch(word):
            continue
        distro = _DISTRO_WORDS.get(word) or next(
            (name for prefix, name in _DISTRO_PREFIXES if re.fullmatch(rf"{prefix}[\d.]*", word)), None
        )
        words.append(distro or word)
    return tuple(words)


def parse_version(text: str) -> Version:
    """A version as written in the knowledge base: a bound or a release, never floating."""
    tag = parse_tag(text)
    if tag.numbers is None or tag.variant:
        raise ValueError(f"{text!r} is not a version")
    return Version(tag.numbers)


class Bounds(NamedTuple):
    """One bound per release line (see the module documentation); a single bound is a
    bound for every line."""

    versions: tuple[Version, ...]

    @classmethod
    def parse(cls, value: str | Sequence[str]) -> Bounds:
        texts = [value] if isinstance(value, str) else list(value)
        versions = tuple(sorted((parse_version(text) for text in texts), key=lambda v: v.key(_WIDTH)))
        if not versions:
            raise ValueError("a bound list needs at least one version")
        return cls(versions)

    def _own_line(self, version: Version, width: int) -> Version | bool:
        """The bound of the version's line; True when the version's line is after every
        listed one, False when it is before every one or between two of them."""
        key = version.key(width)
        for bound in self.versions:
            line = bound.numbers[:-1]
            if key[: len(line)] == line:
                return bound
        return key > self.versions[-1].key(width)

    def reached_by(self, version: Version, width: int) -> bool:
        """`version` is at or after its line's bound."""
        bound = self._own_line(version, width)
        if isinstance(bound, bool):
            return bound
        return version.key(width) >= bound.key(width)

    def before(self, version: Version, width: int) -> bool:
        """`version` is before its line's bound."""
        key = version.key(width)
        bound = self._own_line(version, width)
        if bound is False:
            return key < self.versions[0].key(width)
        if bound is True:
            return False
        return key < bound.key(width)


_WIDTH = 8
"""Wide enough for every version scheme in use (MinIO's release dates have six numbers)."""


class VersionRange(NamedTuple):
    """`since` (inclusive) and `until` (exclusive), either open."""

    since: Bounds | None = None
    until: Bounds | None = None

    @classmethod
    def parse(cls, table: dict) -> VersionRange:
        since, until = table.get("since"), table.get("until")
        return cls(Bounds.parse(since) if since else None, Bounds.parse(until) if until else None)

    def __str__(self) -> str:
        since = "/".join(map(str, self.since.versions)) if self.since is not None else None
        until = "/".join(map(str, self.until.versions)) if self.until is not None else None
        if since and until:
            return f"since {since}, before {until}"
        return f"since {since}" if since else f"before {until}" if until else "every version"

    def holds(self, version: Version) -> bool:
        return (self.since is None or self.since.reached_by(version, _WIDTH)) and (
            self.until is None or self.until.before(version, _WIDTH)
        )


def after(version: Version, newest: Version) -> bool:
    """Whether every release `version` can name comes after `newest`: a tag the
    knowledge base was not written for."""
    return version.start(_WIDTH) > newest.key(_WIDTH)
