"""Every rule documents itself and is named after its code and slug."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from hardenfix.catalogue import SAFE_FIXES, explain_page, readme_table
from hardenfix.model import Category, FileKind
from hardenfix.registry import all_rules, catalogue
from hardenfix.rule import DOC_SECTIONS, FixSafety

RULES = all_rules()
KIND_PREFIX = {None: "HF0", FileKind.COMPOSE: "HF1", FileKind.DOCKERFILE: "HF2", FileKind.PYTHON: "HF3"}


@pytest.fixture(params=RULES, ids=[rule.code for rule in RULES])
def rule(request: pytest.FixtureRequest):
    return request.param


def test_documentation_has_every_section(rule) -> None:
    headings = re.findall(r"^## (.+)$", rule.documentation(), re.MULTILINE)
    missing = [section for section in DOC_SECTIONS if section not in headings]
    assert not missing, f"{rule.code} documentation lacks: {missing}"


def test_explain_page_has_every_section(rule) -> None:
    page = explain_page(rule)
    assert page.startswith(f"# {rule.code} {rule.slug}\n")
    assert all(f"\n## {section}\n" in page for section in DOC_SECTIONS)


def test_what_safe_means_is_said_on_every_page_of_a_rule_that_fixes_and_in_the_readme(rule) -> None:
    assert (SAFE_FIXES in explain_page(rule)) is rule.can_fix()
    readme = " ".join((Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8").split())
    assert SAFE_FIXES in readme


def test_options_are_documented(rule) -> None:
    names = rule.Options.names()
    if names:
        options = rule.documentation().split("## Options", 1)[-1]
        for name in names:
            assert f"`{name.replace('_', '-')}`" in options, f"{rule.code} does not document {name}"


def test_identity(rule) -> None:
    assert re.fullmatch(r"HF\d{3}", rule.code)
    assert rule.code.startswith(KIND_PREFIX[rule.kind])
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.slug)
    assert isinstance(rule.category, Category)
    assert rule.fix_safety in {FixSafety.SAFE, FixSafety.UNSAFE, FixSafety.SOMETIMES, FixSafety.NONE}
    module_file = Path(sys.modules[rule.__module__].__file__)
    assert module_file.name == f"{rule.code.lower()}_{rule.slug.replace('-', '_')}.py"
    assert module_file.parent.name == (rule.kind.value if rule.kind is not None else "meta")


def test_the_catalogue_read_from_module_names_is_the_rules() -> None:
    """Selection reads codes, slugs and kinds from the modules' names, without importing them."""
    assert [(listed.code, listed.slug, listed.kind) for listed in catalogue()] == [
        (rule.code, rule.slug, rule.kind) for rule in RULES
    ]


def test_codes_and_slugs_are_unique() -> None:
    assert len({rule.code for rule in RULES}) == len({rule.slug for rule in RULES}) == len(RULES)


def test_readme_rule_table_is_current() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    assert readme_table() in readme, "run scripts/update-readme"
