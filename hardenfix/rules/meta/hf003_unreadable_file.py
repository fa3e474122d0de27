from __future__ import annotations

from hardenfix.model import Category
from hardenfix.rule import FixSafety, Rule


class Unreadable(Rule):
    """
    ## What it does
    Reports a file hardenfix found but could not read: permission denied, a file
    larger than 8 MiB, a file that disappeared while the run went on, a symlink to
    nowhere.

    Like `HF002`, it is reported whatever the selection and always makes `check`
    fail; `apply` names the file on stderr and in the pull-request body, and goes on
    with the others.

    ## Why is this bad?
    A file that could not be read was not checked: whatever it holds, the run cannot
    vouch for it.

    ## Example
    ```console
    $ ls -l compose.yaml
    --w------- 1 ci ci 412 Jan  5 10:00 compose.yaml
    ```

    ## Use instead
    ```console
    $ ls -l compose.yaml
    -rw-r--r-- 1 ci ci 412 Jan  5 10:00 compose.yaml
    ```

    ## Fix safety
    There is no fix. A file that is not meant to be processed is left out with
    `exclude`.
    """

    code = "HF003"
    slug = "unreadable-file"
    kind = None
    category = Category.CORRECTNESS
    summary = "File that cannot be read"
    fix_safety = FixSafety.NONE
    # The runner reports these when reading a file fails, whatever rules are selected.
