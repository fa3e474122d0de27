from __future__ import annotations

from hardenfix.model import Category
from hardenfix.rule import FixSafety, Rule


class Unparseable(Rule):
    """
    ## What it does
    Reports a file hardenfix cannot parse: invalid YAML, a Compose file with duplicate
    keys or without services, a Dockerfile with an unterminated heredoc or no
    instructions, Python with a syntax error, text that is not UTF-8. The finding points
    at the place the parser stopped, when it says where.

    It is reported whatever the selection, as ruff reports syntax errors, and it always
    makes `check` fail: no other rule could look at the file. `apply` writes nothing to
    the file, names it on stderr and in the pull-request body, and goes on with the
    others; it still exits 0. A Python module, unlike a Compose file or a Dockerfile, is
    parsed only where a selected rule's prefilter finds what that rule looks for: one
    that cannot be parsed is reported then, not otherwise (ruff reports every one).

    Python is parsed by the interpreter hardenfix runs on. When the project's
    `requires-python` leaves that interpreter out, or (under Python 3.11) the error is
    in an f-string, which Python 3.12 reads more freely, the finding says the file may
    be valid in a later Python, and to run hardenfix on the one the project targets.

    ## Why is this bad?
    Docker Compose, BuildKit and Python refuse the same file, so the service it
    describes does not start, build or import (a module for a later Python than the
    one hardenfix runs on excepted). A file no tool can read also hides every other
    finding in it.

    ## Example
    ```yaml
    services:
      db:
        image: postgres:16
        image: postgres:15
    ```

    ## Use instead
    ```yaml
    services:
      db:
        image: postgres:16
    ```

    ## Fix safety
    There is no fix: only a person knows what the file should say. A file that is
    not meant to be processed (a template, a deliberately broken test fixture) is
    left out with `exclude`.
    """

    code = "HF002"
    slug = "parse-error"
    kind = None
    category = Category.CORRECTNESS
    summary = "File that cannot be parsed"
    fix_safety = FixSafety.NONE
    # The runner reports these when a parser gives up, whatever rules are selected.
