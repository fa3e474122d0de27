"""Inline suppressions: syntax, what counts as a comment per file kind, scopes, unused ones."""

from __future__ import annotations

import pytest

from hardenfix.engine import splice
from hardenfix.model import Applicability, Edit, FileKind, Finding, Position
from hardenfix.registry import all_rules, rule_by_code
from hardenfix.suppress import Suppression, Suppressions

HF120 = rule_by_code("HF120")


def finding(code: str, line: int, slug: str = "any-slug") -> Finding:
    return Finding(code, slug, "f", Position(line, 1), Position(line, 2), "message")


def only(text: str, kind: FileKind = FileKind.COMPOSE) -> Suppression:
    [suppression] = Suppressions.parse(text, kind)
    return suppression


@pytest.mark.parametrize(
    ("comment", "selectors", "reason", "file_wide"),
    [
        ("# hardenfix: ignore[HF101]", ("HF101",), "", False),
        (
            "# hardenfix: ignore[HF101,HF110] pinned by the release job",
            ("HF101", "HF110"),
            "pinned by the release job",
            False,
        ),
        ("#hardenfix:ignore[ HF1 , secret-required ]", ("HF1", "secret-required"), "", False),
        ("# hardenfix: ignore", (), "", False),
        ("# hardenfix: ignore   legacy service, see #12  ", (), "legacy service, see #12", False),
        ("# hardenfix: ignore-file[HF2]", ("HF2",), "", True),
        ("# hardenfix: ignore-file", (), "", True),
    ],
)
def test_syntax(comment: str, selectors: tuple[str, ...], reason: str, file_wide: bool) -> None:
    suppression = only(f"a: 1\n{comment}\nb: 2\n")
    assert (suppression.selectors, suppression.reason, suppression.file_wide) == (selectors, reason, file_wide)


@pytest.mark.parametrize(
    "comment",
    [
        "# hardenfix: ignore[]",
        "# hardenfix: ignore[HF101",
        "# hardenfix: ignored",
        "# hardenfix: ignore[HF101]reason",
        "# hardenfix: ignore[HF 101]",
        "# hardenfix ignore[HF101]",
        "# see hardenfix: ignore[HF101]",
    ],
)
def test_malformed_directives_are_not_suppressions(comment: str) -> None:
    assert list(Suppressions.parse(f"a: 1  {comment}\n", FileKind.COMPOSE)) == []


def test_directive_after_another_comment() -> None:
    text = "x = f()  # type: ignore  # hardenfix: ignore[HF301] generated\n"
    suppression = only(text, FileKind.PYTHON)
    assert (suppression.selectors, suppression.reason) == (("HF301",), "generated")
    assert splice(text, [suppression.removal]) == "x = f()  # type: ignore\n"


@pytest.mark.parametrize(
    ("kind", "text", "lines"),
    [
        (
            FileKind.COMPOSE,
            (
                'a: "x # hardenfix: ignore"\n'
                "b: 'it''s # hardenfix: ignore'\n"
                "c: x#hardenfix: ignore\n"
                "d: don't  # hardenfix: ignore\n"
                "e: [\"#\", '#']  # hardenfix: ignore\n"
            ),
            [4, 5],
        ),
        (
            FileKind.PYTHON,
            ('a = "# hardenfix: ignore"\nb = """\n# hardenfix: ignore\n"""\nc = 1  # hardenfix: ignore\n'),
            [5],
        ),
        (
            FileKind.PYTHON,  # the tokenizer rejects it: only comment-only lines count
            ('a = 1  # hardenfix: ignore\n# hardenfix: ignore\nb = """unterminated\n'),
            [2],
        ),
        (
            FileKind.DOCKERFILE,
            ("FROM python:3.12  # hardenfix: ignore\n  # hardenfix: ignore\nRUN echo '# hardenfix: ignore'\n"),
            [2],
        ),
    ],
    ids=["compose", "python", "python-untokenizable", "dockerfile"],
)
def test_only_comments_are_suppressions(kind: FileKind, text: str, lines: list[int]) -> None:
    assert [suppression.line for suppression in Suppressions.parse(text, kind)] == lines


COMPOSE = """\
services:
  db:  # hardenfix: ignore[HF101] the image has its own start-up grace
    image: postgres:16
    healthcheck:
      test: ["CMD", "pg_isready"]
  web:
    # hardenfix: ignore[HF110]
    # the second suppression below is stacked on the first
    # hardenfix: ignore[HF120] pinned by the deploy job
    image: example/web  # hardenfix: ignore[HF1]
    # hardenfix: ignore[HF101] separated from its key by a blank line

    environment:
      TOKEN: ${TOKEN:-x}
"""
# Compose scopes, as the engine computes them from node spans: the last line of
# the node whose key is on a line.
COMPOSE_SCOPES = {1: 14, 2: 5, 4: 5, 6: 14, 13: 14}


def compose_suppressions() -> Suppressions:
    return Suppressions.parse(COMPOSE, FileKind.COMPOSE, lambda line: COMPOSE_SCOPES.get(line, line))


def test_compose_scopes() -> None:
    covered = {s.line: s.covered for s in compose_suppressions()}
    assert covered == {
        2: range(2, 6),  # on the `db:` key: the whole service
        7: range(10, 11),  # alone above a stack of comments: the `image:` line
        9: range(10, 11),
        10: range(10, 11),  # after a value
        11: range(0),  # a blank line in between: nothing
    }


@pytest.mark.parametrize(
    ("code", "line", "covered"),
    [
        ("HF101", 4, True),  # inside `db`, suppressed on its key
        ("HF110", 4, False),  # a code it does not name
        ("HF101", 6, False),  # another service
        ("HF120", 10, True),
        ("HF110", 10, True),
        ("HF150", 10, True),  # HF1 is a prefix
        ("HF110", 14, False),  # the blank-separated suppression covers nothing
    ],
)
def test_compose_covers(code: str, line: int, covered: bool) -> None:
    assert compose_suppressions().covers(finding(code, line)) is covered


def test_a_slug_selects_like_a_code() -> None:
    suppressions = Suppressions.parse("a: 1  # hardenfix: ignore[secret-required]\n", FileKind.COMPOSE)
    assert suppressions.covers(finding("HF110", 1, slug="secret-required"))
    assert not suppressions.covers(finding("HF101", 1, slug="healthcheck-start-period"))


def test_dockerfile_suppression_covers_the_next_instruction() -> None:
    text = (
        "# hardenfix: ignore[HF204]\n"
        "HEALTHCHECK --interval=5s \\\n"
        "  CMD curl -f http://localhost/ || exit 1\n"
        "RUN apt-get update && \\\n"
        "  # hardenfix: ignore[HF205]\n"
        "  curl http://EXAMPLE.com\n"
    )
    instructions = {2: 3, 4: 6}
    suppressions = Suppressions.parse(text, FileKind.DOCKERFILE, lambda line: instructions.get(line, line))
    assert [s.covered for s in suppressions] == [range(2, 4), range(6, 7)]
    assert suppressions.covers(finding("HF204", 3))
    assert suppressions.covers(finding("HF205", 6))
    assert not suppressions.covers(finding("HF205", 4))


def test_ignore_file_only_near_the_top() -> None:
    top = "# hardenfix: ignore-file[HF2]\n" + "FROM x\n" * 30
    suppressions = Suppressions.parse(top, FileKind.DOCKERFILE)
    assert suppressions.covers(finding("HF203", 31))
    assert not suppressions.covers(finding("HF101", 31))
    late = "FROM x\n" * 10 + "# hardenfix: ignore-file[HF2]\nFROM y\n"
    assert list(Suppressions.parse(late, FileKind.DOCKERFILE)) == []


COMPOSE_RULES = [rule for rule in all_rules() if rule.kind is FileKind.COMPOSE]


def test_unused_suppressions_of_rules_that_ran() -> None:
    suppressions = compose_suppressions()
    suppressions.covers(finding("HF101", 4))
    assert [s.line for s in suppressions.unused(COMPOSE_RULES, COMPOSE_RULES)] == [7, 9, 10, 11]
    # HF120 did not run (not selected): the suppressions naming it, directly or
    # through the HF1 prefix, may still be needed.
    without_hf120 = [rule for rule in COMPOSE_RULES if rule is not HF120]
    assert [s.line for s in suppressions.unused(without_hf120, COMPOSE_RULES)] == [7, 11]
    # A suppression naming no rule of this kind of file is never reported.
    dockerfile = Suppressions.parse("a: 1  # hardenfix: ignore[HF203]\n", FileKind.COMPOSE)
    assert dockerfile.unused(COMPOSE_RULES, COMPOSE_RULES) == []


def test_a_finding_marks_every_suppression_covering_it_used() -> None:
    suppressions = compose_suppressions()
    assert suppressions.covers(finding("HF120", 10))
    assert [s.line for s in suppressions.unused(COMPOSE_RULES, COMPOSE_RULES)] == [2, 7, 11]


def test_unused_findings_remove_the_comment() -> None:
    text = (
        "services:\r\n"
        "  # hardenfix: ignore[HF120]\r\n"
        "  web:\r\n"
        "    image: example/web:1.0  # hardenfix: ignore\r\n"
        "# hardenfix: ignore[HF101]"
    )
    suppressions = Suppressions.parse(text, FileKind.COMPOSE)
    findings = suppressions.unused_findings(COMPOSE_RULES, COMPOSE_RULES)
    assert [(f.code, f.slug, f.start, f.end, f.message) for f in findings] == [
        ("HF001", "unused-suppression", Position(2, 3), Position(2, 29), "suppression of HF120 suppresses nothing"),
        (
            "HF001",
            "unused-suppression",
            Position(4, 29),
            Position(4, 48),
            "suppression of every code suppresses nothing",
        ),
        ("HF001", "unused-suppression", Position(5, 1), Position(5, 27), "suppression of HF101 suppresses nothing"),
    ]
    assert {f.fix.applicability for f in findings} == {Applicability.SAFE}
    assert [f.fix.edits for f in findings] == [(Edit(11, 41, ""),), (Edit(75, 96, ""),), (Edit(98, 124, ""),)]
    assert splice(text, [f.fix.edits[0] for f in findings]) == ("services:\r\n  web:\r\n    image: example/web:1.0\r\n")


def test_text_without_directives_is_not_scanned() -> None:
    assert len(Suppressions.parse("a: 1  # an ordinary comment\n", FileKind.COMPOSE)) == 0


def test_text_of_a_block_scalar_is_a_value_not_a_comment(hardenfix, tmp_path) -> None:
    """A Compose file's inline config holding what reads as a suppression: not one, so no
    HF001 whose removal would change the config's content (which the output guard then
    refused, taking every other fix of the file with it)."""
    from test_cli import FIXED, NEEDS_FIX, write

    config = (
        "configs:\n"
        "  app:\n"
        "    content: |2-\n"
        "      # hardenfix: ignore\n"
        "\n"
        "      x = 1\n"
        "  other:\n"
        "    content: >  # hardenfix: ignore[HF101]\n"
        "      # hardenfix: ignore[HF110]\n"
    )
    suppressions = Suppressions.parse(config, FileKind.COMPOSE)
    assert [s.line for s in suppressions] == [8]
    target = write(tmp_path / "compose.yaml", NEEDS_FIX + config)
    result = hardenfix(tmp_path, "apply", "--no-cache")
    assert result.code == 0, result.stderr
    assert target.read_text() == FIXED + config.replace("  # hardenfix: ignore[HF101]", "")
