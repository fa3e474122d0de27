"""Inline suppressions: `# hardenfix: ignore[HF101,HF110] reason` comments.

Syntax, in every file kind (all three use `#` comments):

- `# hardenfix: ignore[HF101,HF110] optional reason` suppresses findings of the
  listed codes. A code matches like a selector: an exact code (`HF101`), a code
  prefix (`HF1`) or a slug (`secret-required`).
- `# hardenfix: ignore` without brackets suppresses every code, like a bare
  `# noqa` in ruff. It is allowed because a reviewer can see it, but a list of
  codes is better: it keeps reporting what it was not meant to hide.
- `# hardenfix: ignore-file[HF2]` (or bare `ignore-file`) in the first
  `FILE_DIRECTIVE_LINES` lines covers the whole file; further down it is not a
  suppression, so it stays visible as a mistake rather than silently hiding all.
- The directive may follow another comment on the same line
  (`# type: ignore  # hardenfix: ignore[HF301]`); whatever follows the codes is
  the reason. Anything else (`ignore HF101`, `ignore[]`, `ignored`) is not a
  suppression.

Where a suppression applies:

- A comment after code on a line covers that line.
- A comment alone on its line covers the next line that is not itself a
  comment-only line (so several suppression comments may be stacked); a blank
  line in between ends it, and it then covers nothing.
- The covered line is widened by the caller's `scope_end_line`: in Compose, a
  suppression on a key's line covers that node and everything below it; in a
  Dockerfile, one above an instruction covers the whole instruction. The caller
  knows those spans from its parser, so it passes them in (see `parse`).
- A finding is covered when a matching suppression covers the line it starts on.

What counts as a comment, per kind (the limits are deliberate: telling exactly
would mean parsing the file again):

- Python: exactly the tokenizer's comment tokens, so `#` inside any string,
  triple-quoted included, is never a suppression. A file the tokenizer rejects
  falls back to comment-only lines.
- Compose (YAML): `#` at the start of a line or after a space or tab, outside a
  single- or double-quoted scalar that starts on that line and outside a block
  scalar (`|`, `>`: the lines after one, indented deeper than the line that opens it,
  or blank), whose text is a value (an inline Dockerfile, a config file's content).
  Text inside a quoted scalar continued from an earlier line looks like a comment and
  is treated as one.
- Dockerfile: only lines whose first non-blank character is `#`, because Docker
  passes a `#` anywhere else to the instruction as an argument. A line of a
  heredoc body starting with `#` is treated as a comment.

Unused suppressions are reported as HF001 `unused-suppression`
(`hardenfix.rules.meta.hf001_unused_suppression`) by `Suppressions.unused_findings`,
whose safe fix removes the comment.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple, Protocol

from hardenfix import regexes
from hardenfix.model import Applicability, Edit, FileKind, Finding, Fix
from hardenfix.registry import matches
from hardenfix.rules.meta.hf001_unused_suppression import UnusedSuppression
from hardenfix.sources.text import SourceText

FILE_DIRECTIVE_LINES = 10
"""`ignore-file` is honoured only on one of the first this many lines."""

SUPPRESSION_MARKER = b"hardenfix:"
"""Bytes every file holding a suppression contains: a cheap test before parsing."""

_DIRECTIVE = regexes.lazy(
    r"""
    \#[ \t]*hardenfix:[ \t]*
    (?P<directive>ignore-file|ignore)
    (?:\[(?P<selectors>[^\]]*)\])?
    (?:[ \t]+(?P<reason>.*?))?
    [ \t]*$
    """,
    re.VERBOSE,
)
_SELECTOR = regexes.lazy(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_NEWLINE = regexes.lazy(r"\r\n|\n|\r")
# In YAML a quoted scalar can only begin where a value begins: at the start of
# the line or after one of these (ignoring spaces); elsewhere a quote is just a
# character of a plain scalar, as in `echo don't`.
_YAML_VALUE_OPENERS = frozenset(":-?[{,")


class RuleIdentity(Protocol):
    """What suppressions need to know of a rule: a `Rule` class or instance."""

    code: str
    slug: str


class Comment(NamedTuple):
    """A comment on one line: `text[start:end]`, from its `#` to the end of the line."""

    line: int
    start: int
    end: int
    own_line: bool
    """Nothing but whitespace comes before it on its line."""


class Suppression(NamedTuple):
    selectors: tuple[str, ...]
    """Codes, code prefixes or slugs; empty for a bare `ignore`, which covers every code."""
    reason: str
    file_wide: bool
    line: int
    """The 1-based line of the comment."""
    covered: range
    """The 1-based lines whose findings it covers; empty when it annotates nothing."""
    start: int
    """Offset of the directive's `#`."""
    end: int
    """Offset of the end of the comment (the end of its line's content)."""
    removal: Edit
    """The edit that deletes it: its whole line when it is alone there, else the
    directive and the whitespace before it."""

    def matches(self, rule: RuleIdentity) -> bool:
        """Whether it applies to a rule's findings (pass a `Finding`, a `Rule` or its class)."""
        return not self.selectors or any(matches(selector, rule) for selector in self.selectors)


class Suppressions:
    """The suppressions of one text, and which of them have covered a finding."""

    __slots__ = ("_used", "document", "items")

    def __init__(self, document: SourceText, items: tuple[Suppression, ...]) -> None:
        self.document = document
        self.items = items
        self._used: set[int] = set()

    @classmethod
    def parse(
        cls,
        text: str,
        kind: FileKind,
        scope_end_line: Callable[[int], int] | None = None,
    ) -> Suppressions:
        """Find the suppressions in `text` (without a byte-order mark).

        `scope_end_line(line)` gives, for a 1-based line, the last line of what a
        suppression on that line annotates: in Compose, the node whose key is on
        the line; in a Dockerfile, the instruction that starts on it. For any
        other line it returns the line itself, which is also the default.
        """
        document = SourceText(text)
        if SUPPRESSION_MARKER.decode() not in text:
            return cls(document, ())
        comments = list(_COMMENT_SCANNERS[kind](document))
        layout = _Layout(
            document,
            blank_lines={number for number, start, end in _lines(document) if not text[start:end].strip()},
            comment_only_lines={comment.line for comment in comments if comment.own_line},
            scope_end_line=scope_end_line or (lambda line: line),
        )
        suppressions = (layout.suppression(comment) for comment in comments)
        return cls(document, tuple(s for s in suppressions if s is not None))

    def __iter__(self) -> Iterator[Suppression]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def covers(self, finding: Finding) -> bool:
        """Whether a suppression covers `finding`; every one that does is marked used."""
        covering = [
            index
            for index, suppression in enumerate(self.items)
            if finding.start.line in suppression.covered and suppression.matches(finding)
        ]
        self._used.update(covering)
        return bool(covering)

    def unused(self, ran: Iterable[RuleIdentity], applicable: Iterable[RuleIdentity]) -> list[Suppression]:
        """Suppressions that covered no finding, among those whose rules all ran.

        `applicable` are the rules that check this kind of file, selected or not;
        `ran` are those that checked this text (count a rule whose prefilter did
        not match as run: it proved there was nothing to find). A suppression is
        kept, as possibly still needed, when a code, prefix or slug it names
        matches an applicable rule that did not run, or matches no applicable
        rule at all (a rule of another file kind, or a typo). A bare `ignore`
        names every applicable rule.
        """
        ran_codes = {rule.code for rule in ran}
        applicable = list(applicable)

        def all_ran(named: list[RuleIdentity]) -> bool:
            return bool(named) and all(rule.code in ran_codes for rule in named)

        def settled(selectors: tuple[str, ...]) -> bool:
            if not selectors:
                return all_ran(applicable)
            return all(all_ran([rule for rule in applicable if matches(s, rule)]) for s in selectors)

        return [
            suppression
            for index, suppression in enumerate(self.items)
            if index not in self._used and settled(suppression.selectors)
        ]

    def unused_findings(self, ran: Iterable[RuleIdentity], applicable: Iterable[RuleIdentity]) -> list[Finding]:
        """HF001 findings for `unused(ran, applicable)`, each with a safe fix removing the comment.

        Like a rule's findings, they have an empty `path` for the engine to fill in.
        """
        findings = []
        for suppression in self.unused(ran, applicable):
            what = ", ".join(suppression.selectors) if suppression.selectors else "every code"
            findings.append(
                Finding(
                    code=UnusedSuppression.code,
                    slug=UnusedSuppression.slug,
                    path="",
                    start=self.document.position(suppression.start),
                    end=self.document.position(suppression.end),
                    message=f"suppression of {what} suppresses nothing",
                    fix=Fix("Remove the unused suppression", (suppression.removal,), Applicability.SAFE),
                    offset=suppression.start,
                )
            )
        return findings


class _Layout(NamedTuple):
    """What deciding a comment's scope needs to know about the lines around it."""

    document: SourceText
    blank_lines: set[int]
    comment_only_lines: set[int]
    scope_end_line: Callable[[int], int]

    def suppression(self, comment: Comment) -> Suppression | None:
        text = self.document.text
        match = _directive_match(text, comment)
        if match is None:
            return None
        raw_selectors = match.group("selectors")
        selectors = tuple(part.strip() for part in raw_selectors.split(",")) if raw_selectors is not None else ()
        if not all(_SELECTOR.fullmatch(selector) for selector in selectors):
            return None
        file_wide = match.group("directive") == "ignore-file"
        if file_wide and comment.line > FILE_DIRECTIVE_LINES:
            return None
        if file_wide:
            covered = range(1, self.document.line_index(len(text)) + 2)
        elif comment.own_line:
            covered = self._annotated_lines(comment.line)
        else:
            covered = range(comment.line, self.scope_end_line(comment.line) + 1)
        start = match.start()
        return Suppression(
            selectors=selectors,
            reason=match.group("reason") or "",
            file_wide=file_wide,
            line=comment.line,
            covered=covered,
            start=start,
            end=comment.end,
            removal=self._removal(start, comment.end),
        )

    def _annotated_lines(self, line: int) -> range:
        """The lines a suppression alone on `line` covers: the next code line and its scope."""
        target = line + 1
        while target in self.comment_only_lines:
            target += 1
        if target in self.blank_lines or target > self.document.line_index(len(self.document.text)) + 1:
            return range(0)
        return range(target, self.scope_end_line(target) + 1)

    def _removal(self, start: int, end: int) -> Edit:
        text = self.document.text
        line_start = self.document.line_start(start)
        if not text[line_start:start].strip():
            return Edit.delete(line_start, end + len(self.document.line_ending(start)))
        before = start
        while text[before - 1] in " \t":
            before -= 1
        return Edit.delete(before, end)


def _directive_match(text: str, comment: Comment) -> re.Match[str] | None:
    """The directive, whether it opens the comment or follows another one on the line."""
    position = comment.start
    while position >= 0:
        match = _DIRECTIVE.match(text, position, comment.end)
        if match is not None:
            return match
        position = text.find("#", position + 1, comment.end)
    return None


def _lines(document: SourceText) -> Iterator[tuple[int, int, int]]:
    """(1-based line number, start offset, end offset without the line ending)."""
    number, start = 1, 0
    for match in _NEWLINE.finditer(document.text):
        yield number, start, match.start()
        number, start = number + 1, match.end()
    yield number, start, len(document.text)


def _comment_only_lines(document: SourceText) -> Iterator[Comment]:
    for number, start, end in _lines(document):
        content = document.text[start:end]
        stripped = content.lstrip(" \t")
        if stripped.startswith("#"):
            yield Comment(number, end - len(stripped), end, own_line=True)


def _python_comments(document: SourceText) -> Iterator[Comment]:
    import tokenize  # for a Python file alone: a Compose file or a Dockerfile does without it

    line_starts = [start for _, start, _ in _lines(document)]
    try:
        # newline="" keeps the file's line endings, so tokenizer rows are our lines.
        tokens = list(tokenize.generate_tokens(io.StringIO(document.text, newline="").readline))
    except (tokenize.TokenError, SyntaxError):
        yield from _comment_only_lines(document)
        return
    for token in tokens:
        if token.type == tokenize.COMMENT:
            row, column = token.start
            start = line_starts[row - 1] + column
            yield Comment(row, start, start + len(token.string), own_line=not token.line[:column].strip())


def _yaml_comments(document: SourceText) -> Iterator[Comment]:
    text = document.text
    block_opener_indent = None  # of the line opening the block scalar the lines are in
    for number, start, end in _lines(document):
        line = text[start:end]
        indent = len(line) - len(line.lstrip(" "))
        if block_opener_indent is not None and (not line.strip() or indent > block_opener_indent):
            continue
        block_opener_indent = None
        position = _yaml_comment_start(text, start, end)
        if position is not None:
            yield Comment(number, position, end, own_line=not text[start:position].strip())
        if _BLOCK_SCALAR_OPENER.search(text, start, end if position is None else position):
            block_opener_indent = indent


_BLOCK_SCALAR_OPENER = regexes.lazy(
    r"(?:^[ \t]*|[:?-][ \t]+(?:[&!][^ \t]*[ \t]+)*)[|>](?:[1-9][+-]?|[+-][1-9]?)?[ \t]*$", re.MULTILINE
)
"""A line that ends by opening a block scalar: `key: |`, `- >-`, `content: |2`."""


def _yaml_comment_start(text: str, start: int, end: int) -> int | None:
    """Offset of the `#` opening a comment on the line `text[start:end]`, if any."""
    quote = None
    previous = ""  # the last non-blank character outside quotes
    position = start
    while position < end:
        char = text[position]
        if quote is not None:
            if char == "\\" and quote == '"':
                position += 1
            elif char == quote:
                if quote == "'" and text.startswith("'", position + 1):
                    position += 1  # '' is an escaped quote in a single-quoted scalar
                else:
                    quote = None
                    previous = char
        elif char == "#" and (position == start or text[position - 1] in " \t"):
            return position
        elif char in "'\"" and (not previous or previous in _YAML_VALUE_OPENERS):
            quote = char
        elif char not in " \t":
            previous = char
        position += 1
    return None


_COMMENT_SCANNERS: dict[FileKind, Callable[[SourceText], Iterator[Comment]]] = {
    FileKind.PYTHON: _python_comments,
    FileKind.COMPOSE: _yaml_comments,
    FileKind.DOCKERFILE: _comment_only_lines,
}
