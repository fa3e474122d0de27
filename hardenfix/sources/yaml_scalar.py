"""Where each character of a YAML scalar's value was written.

A rule that edits part of a scalar must find, in the original text, the characters
that make up the part of the value it means: the value is what YAML gives after
quotes, escapes and line folding, so offsets in the value are not offsets in the
source once a scalar spans lines or uses an escape. `value_origins` decodes the
scalar's source again and says, for each character of the value, the offset it was
copied from, or None when it came from an escape, a folded line break or a doubled
quote. The decoding is checked against the value the YAML parser produced: when the
two disagree, or for what is not decoded here (block scalars with an explicit
indentation indicator), there is no answer, and a caller leaves the scalar alone.
"""

from __future__ import annotations

from hardenfix import regexes

Origins = list[int | None]

_LINE_BREAK = regexes.lazy(r"\r\n|\r|\n")
_BLANK = " \t"
_SIMPLE_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v", "f": "\f",
    "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0",
    "L": "\u2028", "P": "\u2029",
}  # fmt: skip
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}
_BLOCK_HEADER = regexes.lazy(r"([|>])([1-9+-]{0,2})[ \t]*(?:#[^\r\n]*)?(?:\r\n|\r|\n|\Z)")


def value_origins(text: str, start: int, end: int, style: str | None, value: str) -> Origins | None:
    """For each character of `value` (the scalar written at `text[start:end]` in `style`),
    the offset in `text` it was copied from, or None; None overall when the source does
    not decode to `value`."""
    if style in ("|", ">"):
        decoded = _block(text, start, end)
    elif style in ("'", '"'):
        decoded = _folded_lines(text, start + 1, end - 1, quote=style)
    else:
        decoded = _folded_lines(text, start, end, quote=None)
    if decoded is None:
        return None
    characters, origins = decoded
    if "".join(characters) != value:
        return None
    if any(origin is not None and text[origin] != char for char, origin in zip(characters, origins, strict=True)):
        return None
    return origins


_Decoded = tuple[list[str], Origins]


def _folded_lines(text: str, start: int, end: int, quote: str | None) -> _Decoded | None:
    """Plain and quoted (flow) scalars: escapes resolved, each line's surrounding blanks
    trimmed, one line break folded to a space, n empty lines kept as n line feeds."""
    characters: list[str] = []
    origins: Origins = []
    pending_breaks = 0  # unescaped line breaks seen since the last content
    index = start
    at_line_start = False
    while index < end:
        char = text[index]
        brk = _LINE_BREAK.match(text, index, end)
        if brk:
            if not at_line_start:
                _trim_blanks(characters, origins)
            pending_breaks += 1
            at_line_start = True
            index = brk.end()
            continue
        if at_line_start:
            if char in _BLANK:
                index += 1
                continue
            _fold(characters, origins, pending_breaks)
            pending_breaks = 0
            at_line_start = False
        if quote == "'" and char == "'":
            if text.startswith("''", index):
                characters.append("'")
                origins.append(None)
                index += 2
                continue
            return None
        if quote == '"' and char == "\\":
            escaped = _escape(text, index + 1, end)
            if escaped is None:
                return None
            produced, index = escaped
            if produced is None:  # an escaped line break: the next line's leading blanks go
                while index < end and text[index] in _BLANK:
                    index += 1
                continue
            characters.append(produced)
            origins.append(None)
            continue
        characters.append(char)
        origins.append(index)
        index += 1
    if at_line_start:
        if quote is None:
            return None  # a plain scalar ends at its last character, not at a line break
        _fold(characters, origins, pending_breaks)
    return characters, origins


def _trim_blanks(characters: list[str], origins: Origins) -> None:
    """Blanks written before a line break are not content (escaped ones, origin None, are)."""
    while characters and characters[-1] in _BLANK and origins[-1] is not None:
        characters.pop()
        origins.pop()


def _fold(characters: list[str], origins: Origins, breaks: int) -> None:
    if breaks == 1:
        characters.append(" ")
        origins.append(None)
    elif breaks > 1:
        characters.extend("\n" * (breaks - 1))
        origins.extend([None] * (breaks - 1))


def _escape(text: str, index: int, end: int) -> tuple[str | None, int] | None:
    """The character a double-quoted escape produces (None for an escaped line break) and
    where the source goes on; None when it is not a valid escape."""
    if index >= end:
        return None
    brk = _LINE_BREAK.match(text, index, end)
    if brk:
        return None, brk.end()
    code = text[index]
    if code in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[code], index + 1
    width = _HEX_ESCAPES.get(code)
    digits = text[index + 1 : index + 1 + width] if width else ""
    if not width or len(digits) != width or not all(c in "0123456789abcdefABCDEF" for c in digits):
        return None
    return chr(int(digits, 16)), index + 1 + width


def _block(text: str, start: int, end: int) -> _Decoded | None:
    """Literal (`|`) and folded (`>`) scalars with an auto-detected indentation."""
    header = _BLOCK_HEADER.match(text, start, end)
    if header is None or any(char.isdigit() for char in header.group(2)):
        return None
    folded, chomping = header.group(1) == ">", header.group(2)
    lines = _physical_lines(text, header.end(), end)
    content = [first for first, last in lines if text[first:last].strip(" ")]
    if not content:
        return None
    indent = _indentation(text, content[0])
    characters: list[str] = []
    origins: Origins = []
    empty_lines = 0
    previous: str | None = None  # "normal" or "more" (indented) for the last content line
    last_content_end = end
    for first, last in lines:
        body = text[first:last]
        if not body.strip(" "):
            if len(body) > indent:
                return None  # blanks beyond the indentation would be content
            empty_lines += 1
            continue
        if _indentation(text, first) < indent:
            return None
        kind = "more" if body[indent] in _BLANK else "normal"
        if previous is None:
            separator = "\n" * empty_lines
        elif folded and previous == kind == "normal":
            separator = "\n" * empty_lines if empty_lines else " "
        else:
            separator = "\n" * (empty_lines + 1)
        characters.extend(separator)
        origins.extend([None] * len(separator))
        characters.extend(body[indent:])
        origins.extend(range(first + indent, last))
        previous, empty_lines, last_content_end = kind, 0, last
    ends_with_break = _LINE_BREAK.match(text, last_content_end, end) is not None
    if "+" in chomping:
        tail = "\n" * ((1 if ends_with_break else 0) + empty_lines)
    elif "-" in chomping or not ends_with_break:
        tail = ""
    else:
        tail = "\n"
    characters.extend(tail)
    origins.extend([None] * len(tail))
    return characters, origins


def _indentation(text: str, line_start: int) -> int:
    index = line_start
    while index < len(text) and text[index] == " ":
        index += 1
    return index - line_start


def _physical_lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of each line's text in `text[start:end]`, line breaks excluded; a last
    line without a break that holds only blanks (the next key's indentation) is left out."""
    lines = []
    index = start
    while index < end:
        brk = _LINE_BREAK.search(text, index, end)
        if brk is None:
            if text[index:end].strip(" \t"):
                lines.append((index, end))
            break
        lines.append((index, brk.start()))
        index = brk.end()
    return lines
