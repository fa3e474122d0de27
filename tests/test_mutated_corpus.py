"""The corpus of real Compose files (tests/data/corpus), mutated: every YAML file re-indented, with CRLF, without its final
newline, with a comment line before every key, and all of these at once.

Each variant goes through check and apply with every rule and unsafe fixes: zero
crashes, zero invalid outputs (the output re-parses, and still passes the Compose
Specification schema and Docker Compose's own model check when the input did), zero files a second run still changes,
zero changed lines outside a fix. The counts are printed (`pytest -s`) and are part
of the assertion message.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

from conftest import CORPUS, compose_config_errors
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode
from test_corpus import Counts
from test_properties import noise_by_pass

from hardenfix.config import Settings
from hardenfix.discovery import Candidate, classify_explicit
from hardenfix.engine import Engine, SourceFile
from hardenfix.files import UnreadableFile, decode
from hardenfix.model import FileKind, Outcome
from hardenfix.runner import Job, Mode, process
from hardenfix.sources import ParseError
from hardenfix.sources.compose import ComposeDocument, TooLarge, to_data
from hardenfix.validate import compose_schema_validator

CORPUS_FILES = sorted(p.relative_to(CORPUS) for p in CORPUS.rglob("*") if p.suffix in (".yml", ".yaml"))
COMMENT = "# mutation: a comment line between keys"


def compose_data(text: str) -> object | None:
    """The document as data, or None when it does not parse."""
    try:
        return to_data(ComposeDocument.parse(text).root)
    except (ParseError, TooLarge, RecursionError):
        return None


def reindent(text: str) -> str | None:
    """Every run of leading spaces doubled (2 -> 4), where that keeps the document's data."""
    doubled = re.sub(r"(?m)^( +)", lambda match: match.group(1) * 2, text)
    before = compose_data(text)
    if doubled == text or (before is not None and compose_data(doubled) != before):
        return None  # e.g. a block scalar whose lines' own indentation would change
    return doubled


def crlf(text: str) -> str | None:
    converted = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return None if converted == text else converted


def strip_final_newline(text: str) -> str | None:
    for ending in ("\r\n", "\n"):
        if text.endswith(ending):
            return text.removesuffix(ending)
    return None


def comments_between_keys(text: str) -> str | None:
    """A comment line, at the key's indentation, before every key of a block mapping that
    starts its line (not the first key after a `- `)."""
    try:
        root = ComposeDocument.parse(text).root
    except ParseError:
        return None
    offsets: set[int] = set()
    seen: set[int] = set()

    def visit(node: Node) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for key, value in node.value:
                start = key.start_mark.index
                line_start = text.rfind("\n", 0, start) + 1
                if not node.flow_style and text[line_start:start].strip(" ") == "" and start > 0:
                    offsets.add(line_start)
                visit(value)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                visit(item)

    visit(root)
    if not offsets:
        return None
    newline = "\r\n" if "\r\n" in text else "\n"
    pieces, position = [], 0
    for offset in sorted(offsets):
        indentation = re.match(r" *", text[offset:]).group()
        pieces += [text[position:offset], f"{indentation}{COMMENT}{newline}"]
        position = offset
    pieces.append(text[position:])
    return "".join(pieces)


def everything(text: str) -> str | None:
    mutated = comments_between_keys(text) or text
    mutated = reindent(mutated) or mutated
    mutated = crlf(mutated) or mutated
    mutated = strip_final_newline(mutated) or mutated
    return None if mutated == text else mutated


MUTATIONS: dict[str, Callable[[str], str | None]] = {
    "reindent": reindent,
    "crlf": crlf,
    "no-final-newline": strip_final_newline,
    "comments": comments_between_keys,
    "all": everything,
}


def _by_data(check: Callable[[Path], str | None]) -> Callable[[Path], str | None]:
    """Docker Compose's model check (run with interpolation, path and environment
    resolution off) depends only on the file's data, which the mutations keep: files
    with the same data are checked once."""
    seen: dict[str, str | None] = {}

    def checked(path: Path) -> str | None:
        data = compose_data(decode(path.read_bytes()).text)
        key = repr(data) if data is not None else f"unparsed {path}"
        if key not in seen:
            seen[key] = check(path)
        return seen[key]

    return checked


def test_mutations_do_what_they_say() -> None:
    text = "services:\n  db:\n    image: postgres\n    command: |\n      run\n        --flag\n"
    assert reindent("a:\n  b: 1\n") == "a:\n    b: 1\n"
    assert reindent(text) is None, "a literal block's own indentation would change"
    assert crlf("a: 1\n") == "a: 1\r\n"
    assert strip_final_newline("a: 1\r\n") == "a: 1"
    assert comments_between_keys("a:\n  b: 1\n  c:\n  - d: 1\n    e: 2\n") == (
        f"a:\n  {COMMENT}\n  b: 1\n  {COMMENT}\n  c:\n  - d: 1\n    {COMMENT}\n    e: 2\n"
    )


def test_every_mutated_corpus_file_survives_check_and_apply(tmp_path: Path) -> None:
    engine = Engine(Settings(unsafe_fixes=True).rules(), unsafe_fixes=True)
    compose_errors = _by_data(compose_config_errors)

    def compose_accepts(copy: Path, data: bytes) -> bool:
        copy.write_bytes(data)
        try:
            return compose_errors(copy) is None
        finally:
            copy.unlink()

    validator = compose_schema_validator()
    counts = Counts()
    problems: list[str] = []
    for name, mutate in MUTATIONS.items():
        tree = tmp_path / name
        shutil.copytree(CORPUS, tree)  # the whole corpus: rules may read files next to a Compose file
        for path in tree.rglob("*"):  # a read-only checkout stays readable and writable in the copy
            path.chmod(0o755 if path.is_dir() else 0o644)
        for relative in CORPUS_FILES:
            path = tree / relative
            try:
                original = decode(path.read_bytes())
            except UnreadableFile:  # undecodable fixtures are the bad-input tests' business
                continue
            mutated = mutate(original.text)
            if mutated is None:
                continue
            data = original.encode(mutated)
            path.write_bytes(data)
            counts.variants += 1
            where = f"{name} {relative}"
            kind = classify_explicit(path) or FileKind.COMPOSE
            candidate = Candidate(path, kind, explicit=True)
            checked = process(candidate, Job(engine, Mode.CHECK, tree))
            written = process(candidate, Job(engine, Mode.WRITE, tree))
            if "internal error" in f"{checked.error}{written.error}":
                counts.crashes += 1
                problems.append(f"{where}: {checked.error or written.error}")
                continue
            if checked.outcome is Outcome.INVALID:  # could not be parsed
                counts.failed_to_parse += 1
                if written.outcome is not Outcome.INVALID:
                    problems.append(f"{where}: apply did not fail as check did")
                if path.read_bytes() != data:
                    problems.append(f"{where}: a file that failed was modified")
                continue
            if written.outcome in (Outcome.FAILED, Outcome.INVALID):
                problems.append(f"{where}: apply failed: {written.error}")
                continue
            after_bytes = path.read_bytes()
            if after_bytes == data:
                continue
            counts.changed += 1
            after = decode(after_bytes).text
            try:
                ComposeDocument.parse(after)
            except ParseError as error:
                counts.invalid_outputs += 1
                problems.append(f"{where}: output does not parse: {error}")
                continue
            schema_error = (
                next(validator.iter_errors(compose_data(after)), None)
                if validator is not None and validator.is_valid(compose_data(mutated))
                else None
            )
            if schema_error is not None:
                counts.invalid_outputs += 1
                problems.append(f"{where}: the output breaks the Compose Specification: {schema_error.message}")
            if compose_accepts(path.with_name(f"mutated-input-{path.name}"), data) and (error := compose_errors(path)):
                counts.invalid_outputs += 1
                problems.append(f"{where}: docker compose config rejects the output: {error}")
            again = process(candidate, Job(engine, Mode.DIFF, tree))
            if again.changed or again.outcome in (Outcome.FAILED, Outcome.INVALID):
                counts.non_idempotent += 1
                problems.append(f"{where}: a second run still changes it ({again.error or 'changed'})")
            noise, replayed = noise_by_pass(engine, kind, mutated, SourceFile(path))
            if replayed != after:
                problems.append(f"{where}: replaying the engine's passes gave another text")
            if noise:
                counts.noise_lines += noise
                problems.append(f"{where}: {noise} changed lines outside any fix")
        counts.files = max(counts.files, sum(1 for _ in CORPUS_FILES))
    print(f"\n{counts.line('mutated corpus')}")
    assert not problems, counts.line("mutated corpus") + "\n" + "\n".join(problems)
    assert counts.variants >= 4 * len(CORPUS_FILES), counts.line("mutated corpus")
    assert counts.changed > 0, counts.line("mutated corpus")
