from __future__ import annotations

from hardenfix.sources.makefile import recipe_lines

MAKEFILE = """\
PIP ?= pip3
EXTRAS = [test]

help: ## the first rule's target is make's default goal
\t@echo targets

install: assets deps ## prerequisites run first, in order
\t$(PIP) install -e .$(EXTRAS) \\
\t\t--upgrade

deps: assets
\t-pip install -r requirements.txt

assets:
\t+npm install

test: PYTEST_ARGS = -x
test: install ; pytest $$PYTEST_ARGS
"""


def test_a_target_runs_its_prerequisites_first_each_once_with_the_files_variables() -> None:
    assert [line.split() for line in recipe_lines(MAKEFILE, ["install"])] == [
        ["npm", "install"],
        ["pip", "install", "-r", "requirements.txt"],
        ["pip3", "install", "-e", ".[test]", "--upgrade"],
    ]


def test_without_a_target_make_runs_the_first_rule() -> None:
    assert recipe_lines(MAKEFILE, []) == ["echo targets"]


def test_an_inline_recipe_and_a_targets_own_variable() -> None:
    assert recipe_lines(MAKEFILE, ["test"])[-1] == "pytest $PYTEST_ARGS"


def test_rules_that_need_each_other_end() -> None:
    assert recipe_lines("a: b\n\techo a\nb: a\n\techo b\n", ["a"]) == ["echo b", "echo a"]
