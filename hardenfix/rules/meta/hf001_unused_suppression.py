from __future__ import annotations

from hardenfix.model import Category
from hardenfix.rule import FixSafety, Rule


class UnusedSuppression(Rule):
    """
    ## What it does
    Finds `# hardenfix: ignore[...]` and `# hardenfix: ignore-file[...]` comments
    that did not suppress any finding, and removes them.

    A suppression is only reported when every rule it names ran on the file: one
    naming a rule left out by `--select` or `--ignore`, or a rule for another file
    kind, might still be needed, so it is kept.

    ## Why is this bad?
    A suppression outlives the problem it hid: after the code is fixed or moved, the
    comment stays behind and silently hides the next, unrelated finding of the same
    rule on that line or node. Unused suppressions also tell readers a problem is
    there when it is not.

    ## Example
    ```yaml
    services:
      web:
        image: example/web:1.4.2  # hardenfix: ignore[HF120] pinned by the release job
    ```

    ## Use instead
    ```yaml
    services:
      web:
        image: example/web:1.4.2
    ```

    ## Fix safety
    The fix is safe: it deletes a comment. A comment alone on its line is removed
    with its line; a comment after code is removed with the whitespace before it.
    """

    code = "HF001"
    slug = "unused-suppression"
    kind = None
    category = Category.CORRECTNESS
    summary = "Suppression comment that suppresses nothing"
    fix_safety = FixSafety.SAFE
    # The engine finds these while it applies suppressions (hardenfix.suppress), on every
    # file kind, so there is no `check` of its own.
