from __future__ import annotations

import re
from collections.abc import Iterator

from hardenfix.hosts import WHY_LOWERCASE, lowercased, url_hosts
from hardenfix.model import Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import mask_interpolations
from hardenfix.sources.dockerfile import DockerfileDocument, Instruction

# On text whose variables are masked: scheme, optional user info, then the host.


class HostnameCase(Rule):
    """
    ## What it does
    Finds upper-case letters in the host of URLs in `ENV` values and `ARG`
    defaults (`ENV SUPABASE_URL=http://supabase_kong_PMOVES.AI:8000`) and
    lowercases the host only, as Compose's `HF130 hostname-case` does: the
    scheme, user info, port, path, query and any `${...}` stay as written.

    ## Why is this bad?
    DNS ignores case, but much of what sits around it does not: reverse
    proxies and API gateways route on the `Host` header as a string, TLS
    certificate and cookie-domain checks compare names, and two spellings of
    one service end up as two keys in caches, allow-lists and metrics.

    ## Example
    ```dockerfile
    ENV SUPABASE_URL=http://supabase_kong_PMOVES.AI:8000/rest/v1
    ```

    ## Use instead
    ```dockerfile
    ENV SUPABASE_URL=http://supabase_kong_pmoves.ai:8000/rest/v1
    ```

    ## Fix safety
    Safe: host names are case-insensitive by definition, so the lowercase name
    reaches the same host. A variable inside the host (`http://${HOST}.Example.com`)
    is left as written; only the letters around it change.
    """

    code = "HF205"
    slug = "dockerfile-hostname-case"
    kind = FileKind.DOCKERFILE
    category = Category.CORRECTNESS
    summary = "Upper-case letters in a URL host"
    fix_safety = FixSafety.SAFE
    prefilter = re.compile(rb"://[^\s/]*[A-Z]")
    changes = ("ENV", "ARG")

    def check(self, document: DockerfileDocument) -> Iterator[Finding]:
        for instruction in document.instructions:
            if instruction.name in ("ENV", "ARG"):
                yield from self._check_instruction(document, instruction)

    def _check_instruction(self, document: DockerfileDocument, instruction: Instruction) -> Iterator[Finding]:
        masked = mask_interpolations(instruction.line)
        for first, last in url_hosts(masked, instruction.arguments_start):
            span = instruction.source_span(first, last)
            if span is None:
                continue
            start, end = span
            original = document.text[start:end]
            lowered = lowercased(original, masked[first:last])
            if lowered is not None:
                yield self.finding(
                    document,
                    start,
                    end,
                    f"URL host `{original}` in `{instruction.keyword}` has upper-case letters; {WHY_LOWERCASE}",
                    self.fix(f"Lowercase to `{lowered}`", Edit.replace(start, end, lowered)),
                )
