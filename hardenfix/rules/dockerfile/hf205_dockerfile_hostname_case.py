from __future__ import annotations

from collections.abc import Iterator

from hardenfix import hosts, regexes
from hardenfix.model import Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.dockerfile import DockerfileDocument, Instruction, referenced_variables, variable_syntax


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

    Only what is clearly a DNS host name counts, as for `HF130`: the host of a
    URL whose scheme names DNS hosts (`http`, `postgres`, `mongodb`, `redis`,
    `amqp`, ...; not `s3://Bucket` or schemes hardenfix does not know), made of
    letters, digits, `.`, `-`, `_` and variables, in a URL with at most one
    `@`, before the first `/`, `?` or `#` (in
    `postgresql://Reporting:#Tr0ub4dor@db/app` libpq reads user `Reporting`,
    RFC 3986 parsers host `Reporting`: left alone); every host of a server list
    (`mongodb://a,B,C/`) is lowercased together. Variables are read as
    BuildKit reads them: a variable name (`${HOST}`, `$HOST`) is never
    changed, single quotes keep a `$` literal, and inside a default value
    (`${URL:-http://Api:8000}`) only the host is lowercased. A line whose
    variable syntax BuildKit rejects is left alone.

    ## Fix safety
    Safe: host names are case-insensitive in DNS (RFC 4343), so the lowercase
    name reaches the same host, and only text that every client reads as the
    host is changed, never a user name. A variable inside the host
    (`http://${HOST}.Example.com`) is left as written; only the letters around
    it change. Unsafe where the URL is also compared as text: assigned to a
    variable named as an OAuth redirect URI or callback, or an OpenID issuer
    or audience (`OAUTH_REDIRECT_URI`, `OIDC_ISSUER`), or the value of another
    URL's query parameter (`?redirect_uri=https://App.Example.com/cb`): an
    authorisation server matches a redirect URI against the registered one as
    a string, and a client the issuer letter for letter. So is every URL of a
    list such a variable holds (`REDIRECT_URLS=https://a/cb,https://B/cb`), and
    one whose variable such a variable is set from (`ARG AUTH_URL=...` then
    `ENV OIDC_ISSUER=${AUTH_URL}/realms/app`, also through other variables).
    """

    code = "HF205"
    slug = "dockerfile-hostname-case"
    kind = FileKind.DOCKERFILE
    category = Category.CORRECTNESS
    summary = "Upper-case letters in a URL host"
    fix_safety = FixSafety.SOMETIMES
    prefilter = regexes.lazy(rb"://[^\s/]*[A-Z]")
    changes = ("ENV", "ARG")

    def check(self, document: DockerfileDocument) -> Iterator[Finding]:
        assignments = [instruction for instruction in document.instructions if instruction.name in ("ENV", "ARG")]
        carried_into = _carried_into(assignments)
        for instruction in assignments:
            yield from self._check_instruction(document, instruction, carried_into)

    def _check_instruction(
        self, document: DockerfileDocument, instruction: Instruction, carried_into: dict[str, set[str]]
    ) -> Iterator[Finding]:
        line = instruction.line
        syntax = variable_syntax(line, instruction.arguments_start, instruction.escape)
        if syntax is None:
            return
        masked = hosts.mask(line, syntax)
        for url in hosts.url_hosts(masked, instruction.arguments_start):
            lowered = [hosts.lowercased(line[start:end], masked[start:end]) for start, end in url.spans]
            spans = [instruction.source_span(start, end) for start, end in url.spans]
            if all(host is None for host in lowered) or None in spans:
                continue
            edits = [
                Edit.replace(*span, host)
                for span, host in zip(spans, lowered, strict=True)
                if span is not None and host is not None
            ]
            first, last = url.spans[0][0], url.spans[-1][1]
            start, end = instruction.source_offset(first), instruction.source_offset(last - 1) + 1
            shown = ", ".join(line[s:e] for s, e in url.spans)
            title = ", ".join(host or line[s:e] for host, (s, e) in zip(lowered, url.spans, strict=True))
            what = "URL hosts" if len(url.spans) > 1 else "URL host"
            verb = "have" if len(url.spans) > 1 else "has"
            message = f"{what} `{shown}` in `{instruction.keyword}` {verb} upper-case letters; {hosts.WHY_LOWERCASE}"
            fix = self.fix(f"Lowercase to `{title}`", *edits)
            name = _assigned_name(instruction, first)
            names = [name, *sorted(carried_into.get(name, ()))] if name is not None else [None]
            doubt = next(filter(None, (hosts.compared_as_text(masked, first, variable) for variable in names)), None)
            yield self.finding(document, start, end, message, fix, doubts=[doubt])


def _assigned_name(instruction: Instruction, index: int) -> str | None:
    """The variable an `ENV` or `ARG` assigns the text at `index` of its logical line to:
    the name of the `NAME=value` word it is in, the first word of a legacy `ENV NAME value`.
    Every URL of a list (`REDIRECT_URLS=https://a/cb,https://b/cb`) belongs to it."""
    words = instruction.argument_words
    if instruction.name == "ENV" and words and "=" not in words[0].text:
        return words[0].text
    for word in words:
        if word.start <= index < word.end:
            name, equals, _ = word.text.partition("=")
            return name if equals else None
    return None


def _carried_into(assignments: list[Instruction]) -> dict[str, set[str]]:
    """For each variable, the other variables whose `ENV` or `ARG` value uses it, directly or
    through another (`ARG AUTH_URL=...` then `ENV OIDC_ISSUER=${AUTH_URL}/realms/x`): the
    URL is compared as its new name says."""
    users: dict[str, set[str]] = {}
    for instruction in assignments:
        pairs = instruction.assignments() if instruction.name == "ENV" else instruction.declared_arguments()
        for name, value in pairs:
            for used in referenced_variables(value or ""):
                if used != name:
                    users.setdefault(used, set()).add(name)
    carried: dict[str, set[str]] = {}
    for name in users:
        reached, pending = set(), [name]
        while pending:
            for user in users.get(pending.pop(), ()):
                if user not in reached and user != name:
                    reached.add(user)
                    pending.append(user)
        carried[name] = reached
    return carried
