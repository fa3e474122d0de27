from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from ruamel.yaml.nodes import ScalarNode

from hardenfix.model import Applicability, Category, Edit, FileKind, Finding, ValueChange
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument, Interpolation, iter_interpolations, iter_scalars

_DEFAULTING = (":-", "-")
# The message sits inside `${NAME:?...}` in any YAML scalar style, so it must not
# close the interpolation, start another, end a quoted scalar, open a comment or
# split a flow collection.
_UNSAFE_MESSAGE_CHARACTERS = re.compile(r"[}$\"'\\#,\[\]{}\r\n]|: ")


@dataclass(frozen=True)
class Options:
    secret_patterns: tuple[str, ...] = (
        "PASSWORD",
        "PASSWD",
        "SECRET",
        r"(?<![A-Za-z])TOKENS?(?![A-Za-z])",
        "API_?KEY",
        "ACCESS_KEY",
        "PRIVATE_KEY",
        "MASTER_KEY",
        "CREDENTIAL",
        "_ROOT_USER$",
    )
    """Regular expressions (case-insensitive) that mark a variable name as a secret."""
    location_suffixes: tuple[str, ...] = ("_FILE", "_DIR", "_PATH")
    """Name endings of variables that hold where a secret is, not the secret."""
    message: str = "{name} is required"
    """The error Compose prints when the variable is unset; `{name}` is the variable."""

    def __post_init__(self) -> None:
        for pattern in self.secret_patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"secret-patterns: {pattern!r} is not a regular expression: {error}") from None
        if "{name}" not in self.message:
            raise ValueError("message must contain {name}")
        bad = _UNSAFE_MESSAGE_CHARACTERS.search(self.message.replace("{name}", "NAME"))
        if bad:
            raise ValueError(f"message cannot contain {bad.group()!r}: it is written inside ${{NAME:?...}}")

    @cached_property
    def secret_name(self) -> re.Pattern[str]:
        return re.compile("|".join(f"(?:{pattern})" for pattern in self.secret_patterns), re.IGNORECASE)

    def is_secret(self, name: str) -> bool:
        upper = name.upper()
        return not upper.endswith(tuple(s.upper() for s in self.location_suffixes)) and bool(
            self.secret_name.search(name)
        )


class SecretRequired(Rule):
    """
    ## What it does
    Finds interpolations of secret-like variables that fall back to a default
    (`${POSTGRES_PASSWORD:-pmoves}`, `${MINIO_ROOT_USER:-}`, `${API_TOKEN-x}`) and
    makes them required: `${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}`.

    It looks wherever Compose interpolates: environment lists and maps,
    healthcheck tests, commands, URLs such as
    `postgres://app:${DB_PASSWORD:-x}@db/app`. A `$${VAR:-x}` is escaped for the
    container's shell and left alone; `${VAR:?...}` is already required.
    Variables whose names end in `_FILE`, `_DIR` or `_PATH` hold a location, not
    a secret, and are not findings.

    ## Why is this bad?
    A default secret is a known secret: every deployment where the variable was
    forgotten runs with the password from the repository, and an empty default
    runs with no credential at all. Nothing warns anyone. With `:?` Compose
    refuses to start and names the missing variable.

    ## Example
    ```yaml
    services:
      db:
        image: postgres:16
        environment:
          POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-pmoves}
    ```

    ## Use instead
    ```yaml
    services:
      db:
        image: postgres:16
        environment:
          POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}
    ```

    ## Fix safety
    Safe for a non-empty default: it is a credential anyone can read. Also safe
    for an empty default used by a service that always runs. Unsafe for an empty
    default used only by services gated by `profiles:`: Compose interpolates
    every service, enabled or not, so requiring the variable would stop the
    stack for everyone who never enables that optional service.

    ## Options
    - `secret-patterns`: regular expressions (case-insensitive) for secret names.
    - `location-suffixes` (default `["_FILE", "_DIR", "_PATH"]`): name endings that mark a location.
    - `message` (default `"{name} is required"`): the error text written after `:?`.
    """

    code = "HF110"
    slug = "secret-required"
    kind = FileKind.COMPOSE
    category = Category.SECURITY
    summary = "Secret variable with an insecure default"
    fix_safety = FixSafety.SOMETIMES
    Options = Options
    prefilter = re.compile(rb"\$\{[A-Za-z_][A-Za-z0-9_]*:?-")
    changes = ("**",)  # any interpolated string
    value_change = ValueChange.NONE

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        gating = self._gating_profiles(document)
        found = [
            (start + interpolation.start, start + interpolation.end, interpolation, gating.get(id(scalar)))
            for scalar in iter_scalars(document.root)
            for start, interpolation in self._interpolations(document, scalar)
        ]
        always_required = {interpolation.name for *_, interpolation, profiles in found if profiles is None}
        for start, end, interpolation, profiles in found:
            if interpolation.operator not in _DEFAULTING or not self.options.is_secret(interpolation.name):
                continue
            if interpolation.name in always_required:
                profiles = None
            yield self._finding(document, start, end, interpolation, profiles)

    @staticmethod
    def _interpolations(document: ComposeDocument, scalar: ScalarNode) -> Iterator[tuple[int, Interpolation]]:
        start, end = document.span(scalar)
        source = document.text[start:end]
        if "${" in source:
            for interpolation in iter_interpolations(source):
                if "\n" not in source[interpolation.start : interpolation.end]:
                    yield start, interpolation

    def _finding(
        self,
        document: ComposeDocument,
        start: int,
        end: int,
        interpolation: Interpolation,
        profiles: tuple[str, ...] | None,
    ) -> Finding:
        name, default = interpolation.name, interpolation.argument
        required = f"${{{name}:?{self.options.message.format(name=name)}}}"
        applicability = Applicability.SAFE
        if "$" in default:
            message = (
                f"`{name}` falls back to another variable when unset (unsafe fix: requiring it drops that fallback)"
            )
            applicability = Applicability.UNSAFE
        elif default:
            message = f"`{name}` falls back to a default written in this file: anyone who reads it knows the secret"
        else:
            message = f"`{name}` falls back to an empty value: the stack starts without the credential"
            if profiles:
                applicability = Applicability.UNSAFE
                message += (
                    f" (unsafe fix: only services under profile {', '.join(f'`{p}`' for p in profiles)} use it,"
                    " but Compose interpolates every service, so requiring it stops the stack"
                    " for everyone who does not enable that profile)"
                )
        fix = self.fix(f"Require `{name}`", Edit.replace(start, end, required), applicability=applicability)
        return self.finding(document, start, end, message, fix)

    @staticmethod
    def _gating_profiles(document: ComposeDocument) -> dict[int, tuple[str, ...] | None]:
        """For each scalar node under `services`: the profiles gating every service that uses it,
        or None when some service that always runs uses it."""
        gating: dict[int, tuple[str, ...] | None] = {}
        for service in document.services():
            for scalar in iter_scalars(service.node):
                key = id(scalar)
                if not service.profiles:
                    gating[key] = None
                elif key not in gating:
                    gating[key] = service.profiles
                elif gating[key] is not None:
                    gating[key] = tuple(dict.fromkeys((*gating[key], *service.profiles)))
        return gating
