"""Dockerfiles: an instruction scanner with exact spans, build stages, and the build context.

The scanner follows BuildKit's own parser (`frontend/dockerfile/parser/parser.go`) line
for line, because the spans it reports must be the ones Docker sees:

- Parser directives (`# syntax=`, `# escape=`, `# check=`) are read only from the
  first lines; the first line that is not one (a blank line, any other comment, an
  instruction) ends them. `# escape=` changes the line-continuation character.
- An instruction whose line ends with the escape character (trailing spaces allowed)
  continues on the next line. Comment lines and blank lines inside a continuation are
  skipped and do not end it.
- A `RUN`, `COPY` or `ADD` (also under `ONBUILD`) in shell form whose words include
  `<<NAME`, `<<-NAME`, `<<"NAME"` or `3<<NAME` reads here-documents after its last line,
  in order; `<<-` lets the terminator be indented with tabs.
- Lines end at `\\n`; a `\\r` before it belongs to the line ending (CRLF files).

An `Instruction` keeps its *logical line* (its physical lines joined, continuation
characters and skipped lines left out) together with the pieces of the original text
it was joined from, so that rules can search the logical line and still edit the
original text. `pip install dockerfile` (BuildKit's parser) is the oracle for these
spans in the tests.

On top of the scanner: `Stage` (a `FROM` and the instructions up to the next one),
what a stage copies (`Copy`), where a file in the image came from (`locate`), what
program an `ENTRYPOINT` runs, and `BuildContext`, which reads files of the build
context without ever leaving it.
"""

from __future__ import annotations

import bisect
import glob
import itertools
import json
import os
import posixpath
import re
import shlex
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from hardenfix import regexes
from hardenfix.files import FileTooLarge, read_whole
from hardenfix.model import ComposeBuild, Status, status_of
from hardenfix.probes import (
    INIT_PROGRAMS,
    SHELLS,
    script_commands,
    shell_script,
    simple_commands,
    skip_options,
    unquote,
)
from hardenfix.sources import ParseError
from hardenfix.sources.dockerignore import DockerIgnore
from hardenfix.sources.text import SourceText

_DIRECTIVE = regexes.lazy(r"#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*")
_KNOWN_DIRECTIVES = frozenset({"syntax", "escape", "check"})
_HEREDOC_WORD = regexes.lazy(r"(\d*)<<(-?)([^<]*)")
_HEREDOC_INSTRUCTIONS = frozenset({"RUN", "COPY", "ADD"})


# --------------------------------------------------------------------------- scanner


class Heredoc(NamedTuple):
    """A here-document read after its instruction's last line."""

    name: str
    chomp: bool
    """`<<-NAME`: the terminator (and, when the shell runs it, each line) may start with tabs."""
    body_start: int
    body_end: int
    """The body's span in the text: whole lines, up to the start of the terminator line."""


class Word(NamedTuple):
    """A whitespace-separated word of an instruction's logical line, quotes kept."""

    text: str
    start: int
    end: int
    """Offsets into the logical line."""


class Instruction:
    """One instruction: keyword, logical line, and the exact span it covers in the text."""

    def __init__(
        self, source: str, pieces: Sequence[tuple[int, int]], end: int, heredocs: Sequence[Heredoc], escape: str
    ) -> None:
        self._pieces = tuple(pieces)
        self._piece_starts: list[int] = []
        length = 0
        for start, stop in self._pieces:
            self._piece_starts.append(length)
            length += stop - start
        self.line = "".join(source[start:stop] for start, stop in self._pieces)
        """The logical line: physical lines joined, without continuation characters."""
        self.start = self._pieces[0][0]
        """Offset of the instruction's first character (its keyword, in all but odd files)."""
        self.end = end
        """Offset where its last line ends (line ending excluded), heredoc terminators included."""
        self.heredocs = tuple(heredocs)
        self.escape = escape
        self._source = source

    def __repr__(self) -> str:
        return f"Instruction({self.line!r} at {self.start}:{self.end})"

    @cached_property
    def words(self) -> tuple[Word, ...]:
        return tuple(split_words(self.line, self.escape))

    @property
    def keyword(self) -> str:
        """The keyword as written (`run`, `RUN`)."""
        return self.words[0].text if self.words else ""

    @property
    def name(self) -> str:
        """The keyword in upper case: `RUN`."""
        return self.keyword.upper()

    @cached_property
    def flags(self) -> tuple[Word, ...]:
        """The `--name[=value]` words right after the keyword."""
        flags = []
        for word in self.words[1:]:
            if not word.text.startswith("--"):
                break
            flags.append(word)
        return tuple(flags)

    def flag(self, name: str) -> str | None:
        """The value of `--name=value`, '' for a bare `--name`, None when absent."""
        for word in self.flags:
            flag_name, _, value = word.text[2:].partition("=")
            if flag_name == name:
                return value
        return None

    @cached_property
    def arguments_start(self) -> int:
        """Where the arguments (after keyword and flags) start in the logical line."""
        words = self.words[1 + len(self.flags) :]
        return words[0].start if words else len(self.line)

    @property
    def arguments(self) -> str:
        return self.line[self.arguments_start :].rstrip()

    @property
    def argument_words(self) -> tuple[Word, ...]:
        return self.words[1 + len(self.flags) :]

    def declared_arguments(self) -> Iterator[tuple[str, str | None]]:
        """An `ARG` instruction's names and defaults (None: none): `ARG A B=2 C="x y"`."""
        for word in self.argument_words:
            name, equals, value = word.text.partition("=")
            yield name, unquote(value) if equals else None

    def assignments(self) -> Iterator[tuple[str, str]]:
        """An `ENV` instruction's names and values as written, quotes removed:
        `ENV A=1 B="two"`, and the legacy `ENV A 1`."""
        words = [word.text for word in self.argument_words]
        if words and "=" not in words[0]:
            yield words[0], " ".join(unquote(word) for word in words[1:])
            return
        for word in words:
            name, equals, value = word.partition("=")
            if equals:
                yield name, unquote(value)

    @cached_property
    def exec_form(self) -> list[str] | None:
        """The arguments as a JSON array of strings (`["a", "b"]`), else None (shell form)."""
        return parse_exec_form(self.arguments)

    def commands(self) -> list[list[str]]:
        """The simple commands it runs (a `RUN`, `CMD`, `ENTRYPOINT`), each as its words'
        values: those of the shell form's command line, and of the heredocs it runs as
        scripts (`RUN <<EOT`), else the exec form's array, or the commands of the script it
        gives a shell (`["sh", "-c", "pip install ."]`)."""
        argv = self.exec_form
        if argv is not None:
            return script_commands(argv) or ([argv] if argv else [])
        commands = []
        for words in simple_commands(self.arguments):
            values = [word.value for word in words]
            script = self._heredoc_script(values)
            if script is None:
                commands.append(values)
            else:
                commands += ([word.value for word in words] for words in simple_commands(script))
        return commands

    def _heredoc_script(self, values: list[str]) -> str | None:
        """The body of the heredoc a command runs as a shell script: the command is the
        heredoc alone (BuildKit runs it with the default shell), or a shell that reads its
        script from it (`bash -e <<EOT`)."""
        names = {unquote(match.group(3)) for value in values if (match := _HEREDOC_WORD.fullmatch(value))}
        rest = [value for value in values if not _HEREDOC_WORD.fullmatch(value)]
        runs_it = not rest or (
            posixpath.basename(rest[0]) in SHELLS and all(value.startswith(("-", "+")) for value in rest[1:])
        )
        heredoc = next((heredoc for heredoc in self.heredocs if heredoc.name in names), None)
        if heredoc is None or not runs_it:
            return None
        return self._source[heredoc.body_start : heredoc.body_end]

    def source_offset(self, index: int) -> int:
        """The text offset of the logical line's character at `index` (or of its end)."""
        piece = max(0, bisect.bisect_right(self._piece_starts, index) - 1)
        start, stop = self._pieces[piece]
        return min(start + index - self._piece_starts[piece], stop)

    def source_span(self, start: int, end: int) -> tuple[int, int] | None:
        """The text span of `line[start:end]`, or None when it crosses a line break
        (an edit there would have to rewrite the continuation)."""
        source_start = self.source_offset(start)
        source_end = self.source_offset(end - 1) + 1 if end > start else source_start
        return (source_start, source_end) if source_end - source_start == end - start else None


def split_words(line: str, escape: str = "\\") -> Iterator[Word]:
    """Split on unquoted whitespace, keeping quotes; `escape` escapes the next character."""
    index, length = 0, len(line)
    while index < length:
        while index < length and line[index].isspace():
            index += 1
        if index == length:
            return
        start, quote = index, None
        while index < length and (quote or not line[index].isspace()):
            character = line[index]
            if character == escape and quote != "'":
                index += 1
            elif quote and character == quote:
                quote = None
            elif not quote and character in "'\"":
                quote = character
            index += 1
        index = min(index, length)
        yield Word(line[start:index], start, index)


def parse_exec_form(arguments: str) -> list[str] | None:
    """BuildKit's rule: arguments starting with `[` that parse as a JSON array of strings."""
    arguments = arguments.strip()
    if not arguments.startswith("["):
        return None
    try:
        value = json.loads(arguments)
    except ValueError:
        return None
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return None


def exec_form_spans(arguments: str) -> list[tuple[int, int]] | None:
    """The span of each string of an exec-form JSON array in `arguments` (quotes
    included), for arguments `parse_exec_form` accepts; None otherwise."""
    if parse_exec_form(arguments) is None:
        return None
    decoder = json.JSONDecoder()
    spans = []
    index = arguments.index("[") + 1
    while True:
        index = _JSON_BLANK.match(arguments, index).end()
        if arguments.startswith("]", index):
            return spans
        _, end = decoder.raw_decode(arguments, index)
        spans.append((index, end))
        index = _JSON_BLANK.match(arguments, end).end()
        index += 1 if arguments.startswith(",", index) else 0


_JSON_BLANK = regexes.lazy(r"[ \t\n\r]*")


class _Line(NamedTuple):
    start: int
    end: int
    """End of the content: the `\\n` and any `\\r` before it are excluded."""


def _physical_lines(text: str) -> list[_Line]:
    lines = []
    start = 0
    while start < len(text):
        newline = text.find("\n", start)
        stop = len(text) if newline < 0 else newline
        end = stop
        while end > start and text[end - 1] == "\r":
            end -= 1
        lines.append(_Line(start, end))
        start = stop + 1
    return lines


class _Scanner:
    """Turns a text into parser directives and instructions; one pass over its lines."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = _physical_lines(text)
        self.position = 0
        self.directives: dict[str, str] = {}
        self.escape = "\\"
        self._continuation = re.compile(r"\\[ \t]*\Z")

    def scan(self) -> list[Instruction]:
        self._read_directives()
        instructions = []
        while self.position < len(self.lines):
            line = self.lines[self.position]
            self.position += 1
            content = self._content(line).lstrip()
            if not content or content.startswith("#"):
                continue
            instructions.append(self._instruction(line.end - len(content), line))
        if not instructions:
            raise ParseError("file with no instructions")
        return instructions

    def _content(self, line: _Line) -> str:
        return self.text[line.start : line.end]

    def _read_directives(self) -> None:
        for line in self.lines:
            match = _DIRECTIVE.fullmatch(self._content(line).lstrip())
            if match is None or match.group(1).lower() not in _KNOWN_DIRECTIVES:
                return
            name, value = match.group(1).lower(), match.group(2)
            if name in self.directives:
                raise ParseError(f"only one {name} parser directive can be used")
            self.directives[name] = value
            if name == "escape":
                if value not in ("\\", "`"):
                    raise ParseError(f"invalid escape token {value!r}: it must be ` or \\")
                self.escape = value
                self._continuation = re.compile(re.escape(value) + r"[ \t]*\Z")
            self.position += 1

    def _instruction(self, start: int, first_line: _Line) -> Instruction:
        pieces = []
        last_line = first_line
        continued = self._add_piece(pieces, start, first_line.end)
        while continued and self.position < len(self.lines):
            last_line = self.lines[self.position]
            self.position += 1
            content = self._content(last_line).lstrip()
            if content and not content.startswith("#"):
                continued = self._add_piece(pieces, last_line.start, last_line.end)
        instruction = Instruction(self.text, pieces, last_line.end, (), self.escape)
        heredocs = []
        for name, chomp in _heredoc_names(instruction):
            heredoc = self._heredoc(name, chomp)
            heredocs.append(heredoc)
            last_line = self.lines[self.position - 1]
        if heredocs:
            instruction = Instruction(self.text, pieces, last_line.end, heredocs, self.escape)
        return instruction

    def _add_piece(self, pieces: list[tuple[int, int]], start: int, end: int) -> bool:
        """Add the line's text to the logical line; True when it continues on the next."""
        match = self._continuation.search(self.text, start, end)
        pieces.append((start, match.start() if match else end))
        return match is not None

    def _heredoc(self, name: str, chomp: bool) -> Heredoc:
        body_start = self.lines[self.position].start if self.position < len(self.lines) else len(self.text)
        while self.position < len(self.lines):
            line = self.lines[self.position]
            self.position += 1
            candidate = self._content(line)
            if chomp:
                candidate = candidate.lstrip("\t")
            if candidate == name:
                return Heredoc(name, chomp, body_start, line.start)
        raise ParseError(f"unterminated heredoc <<{'-' if chomp else ''}{name}")


def _heredoc_names(instruction: Instruction) -> Iterator[tuple[str, bool]]:
    """The heredocs an instruction opens, in order: (name, chomp)."""
    if "<<" not in instruction.line:
        return  # told without splitting the line into words, which most instructions never need
    words = instruction.words
    if words and words[0].text.upper() == "ONBUILD":
        words = words[1:]
    if not words or words[0].text.upper() not in _HEREDOC_INSTRUCTIONS:
        return
    arguments = [word.text for word in words[1:] if not word.text.startswith("--")]
    if parse_exec_form(" ".join(arguments)) is not None:
        return
    for word in words[1:]:
        match = _HEREDOC_WORD.fullmatch(word.text)
        if match and match.group(3):
            yield unquote(match.group(3)), match.group(2) == "-"


def _set_or_forget(values: dict[str, str], name: str, value: str | None) -> None:
    """Set a variable, or forget it when its value is not known."""
    if value is None:
        values.pop(name, None)
    else:
        values[name] = value


# --------------------------------------------------------------------------- document


class Stage:
    """A build stage: its `FROM` and the instructions up to the next `FROM`."""

    index: int
    from_instruction: Instruction
    image: str
    """The base as written: an image reference, `scratch`, or an earlier stage's name."""
    name: str | None
    """The `AS` name, lower-cased as BuildKit compares it."""
    instructions: tuple[Instruction, ...]
    parent: Stage | None
    """The earlier stage this one is built `FROM`, if any."""

    def __init__(
        self,
        index: int,
        from_instruction: Instruction,
        image: str,
        name: str | None,
        instructions: tuple[Instruction, ...],
        parent: Stage | None,
    ) -> None:
        self.index = index
        self.from_instruction = from_instruction
        self.image = image
        self.name = name
        self.instructions = instructions
        self.parent = parent

    def lineage(self) -> Iterator[Stage]:
        """This stage, then the stage it is built from, and so on."""
        stage: Stage | None = self
        while stage is not None:
            yield stage
            stage = stage.parent

    @property
    def root(self) -> Stage:
        """The first stage of its lineage: the one whose `FROM` names an image (or `scratch`)."""
        return list(self.lineage())[-1]

    def instructions_named(self, name: str) -> list[Instruction]:
        return [instruction for instruction in self.instructions if instruction.name == name]

    def effective(self, name: str) -> Instruction | None:
        """The instruction `name` in effect at the end of the stage (`USER`, `ENTRYPOINT`),
        inherited from the stage it is built from when it has none of its own."""
        for stage in self.lineage():
            found = stage.instructions_named(name)
            if found:
                return found[-1]
        return None

    def working_directory(self, instruction: Instruction | None = None) -> str:
        """The absolute working directory at `instruction` (at the end of the stage when None),
        its variables expanded; one whose value is not known is left as written."""
        path = self.parent.working_directory() if self.parent is not None else "/"
        for candidate in self.instructions:
            if candidate is instruction:
                break
            if candidate.name == "WORKDIR":
                path = posixpath.normpath(posixpath.join(path, self.expanded(unquote(candidate.arguments), candidate)))
        return path

    def expanded(
        self,
        text: str,
        instruction: Instruction | None = None,
        build_arguments: Mapping[str, str | None] | None = None,
        global_arguments: Mapping[str, str | None] | None = None,
    ) -> str:
        """`text` with the variables set before `instruction` expanded (see `variables`), as
        BuildKit expands a `WORKDIR` or a `COPY` path; as written when one has no known value."""
        if "$" not in text:
            return text
        expanded = expand_variables(text, self.variables(instruction, build_arguments, global_arguments))
        return text if expanded is None else expanded

    def variables(
        self,
        instruction: Instruction | None = None,
        build_arguments: Mapping[str, str | None] | None = None,
        global_arguments: Mapping[str, str | None] | None = None,
    ) -> dict[str, str]:
        """The variables set before `instruction` (at the end of the stage when None): the
        `ENV` of this stage and of those it is built from, over this stage's own `ARG`s (an
        `ARG` is known in the stage that declares it, and no further). An `ARG` takes its
        value from `build_arguments` (`--build-arg`, a Compose service's `build.args`; None
        for a value not known here), else its default, else, declared again without one,
        the default of the global `ARG` (`global_arguments`). A variable whose value uses
        one without a known value is left out."""
        arguments, environment = self._variables(instruction, build_arguments or {}, global_arguments or {})
        return {**arguments, **environment}

    def _variables(
        self,
        instruction: Instruction | None,
        build_arguments: Mapping[str, str | None],
        global_arguments: Mapping[str, str | None],
    ) -> tuple[dict[str, str], dict[str, str]]:
        parent = self.parent
        environment = parent._variables(None, build_arguments, global_arguments)[1] if parent is not None else {}
        arguments: dict[str, str] = {}
        for candidate in self.instructions:
            if candidate is instruction:
                break
            if candidate.name == "ARG":
                for name, default in candidate.declared_arguments():
                    if name in build_arguments:
                        value = build_arguments[name]
                    elif default is not None:
                        value = expand_variables(default, {**arguments, **environment})
                    else:
                        value = global_arguments.get(name)
                    _set_or_forget(arguments, name, value)
            elif candidate.name == "ENV":
                for name, written in candidate.assignments():
                    _set_or_forget(environment, name, expand_variables(written, {**arguments, **environment}))
        return arguments, environment

    def copies(self) -> tuple[Copy, ...]:
        return self._copies

    @cached_property
    def _copies(self) -> tuple[Copy, ...]:
        """Read once: facts and rules look through a stage's copies for each file they locate."""
        return tuple(copy for copy in (Copy.of(self, instruction) for instruction in self.instructions) if copy)


class Copy(NamedTuple):
    """A `COPY` or `ADD`: its sources and where they land in the image."""

    instruction: Instruction
    sources: tuple[str, ...]
    destination: str
    """Absolute, normalised; a trailing `/` is kept (it makes the destination a folder)."""
    from_stage: str | None
    """`--from=` value: a stage name or index, or an image."""

    @classmethod
    def of(cls, stage: Stage, instruction: Instruction) -> Copy | None:
        if instruction.name not in ("COPY", "ADD"):
            return None
        arguments = instruction.exec_form
        if arguments is None:
            arguments = [unquote(word.text) for word in instruction.argument_words]
        if len(arguments) < 2:
            return None
        *sources, destination = (stage.expanded(argument, instruction) for argument in arguments)
        workdir = stage.working_directory(instruction)
        absolute = posixpath.normpath(posixpath.join(workdir, destination))
        directory = destination.endswith("/") or len(sources) > 1 or _existing_folder(absolute, workdir)
        if directory and absolute != "/":
            absolute += "/"
        return cls(instruction, tuple(sources), absolute, instruction.flag("from"))

    @property
    def into_directory(self) -> bool:
        return self.destination.endswith("/")

    def landing(self, source: str) -> str:
        """Where a single file `source` lands: inside a folder destination, or at it."""
        if self.into_directory:
            return posixpath.join(self.destination, posixpath.basename(source.rstrip("/")))
        return self.destination

    def lands_at(self, item: str, is_dir: bool) -> str:
        """Where an item of its sources lands: a folder's contents in the destination, a
        file where `landing` puts it."""
        return posixpath.normpath(self.destination) if is_dir else self.landing(item)

    def context_sources(self) -> list[str]:
        """Its sources the build context gives, as written: not a heredoc, nor one `ADD`
        fetches, nor any where it copies `--from` a stage or an image."""
        if self.from_stage is not None:
            return []
        return [source for source in self.sources if self.heredoc(source) is None and not _fetched(source)]

    def heredoc(self, source: str) -> Heredoc | None:
        match = _HEREDOC_WORD.fullmatch(source)
        if match is None:
            return None
        name = unquote(match.group(3))
        return next((heredoc for heredoc in self.instruction.heredocs if heredoc.name == name), None)


class DockerfileDocument(SourceText):
    def __init__(self, text: str, instructions: list[Instruction], directives: dict[str, str]) -> None:
        super().__init__(text)
        self.instructions = tuple(instructions)
        self.directives = directives

    def suppression_scope_end(self, line: int) -> int:
        """A suppression above an instruction covers all of its lines, heredocs included."""
        return self._instruction_ends.get(line, line)

    @cached_property
    def _instruction_ends(self) -> dict[int, int]:
        return {self.position(i.start).line: self.position(i.end).line for i in self.instructions}

    def instruction_text(self, instruction: Instruction) -> str:
        """An instruction's logical line and the bodies of its heredocs."""
        return instruction.line + "".join(self.text[h.body_start : h.body_end] for h in instruction.heredocs)

    @cached_property
    def builds_for_windows(self) -> bool:
        """Whether it builds a Windows image: its escape character is a backtick, its `SHELL`
        is PowerShell or cmd, or a `WORKDIR` is a Windows path (`C:\\chroma`). Its paths are
        Windows paths then, which the POSIX path logic here cannot read."""
        if self.directives.get("escape") == "`":
            return True
        for instruction in self.instructions:
            if instruction.name == "SHELL" and instruction.exec_form:
                shell = instruction.exec_form[0].replace("\\", "/").rsplit("/", 1)[-1].lower()
                if shell.removesuffix(".exe") in ("powershell", "pwsh", "cmd"):
                    return True
            elif instruction.name == "WORKDIR" and _WINDOWS_PATH.match(unquote(instruction.arguments)):
                return True
        return False

    @cached_property
    def global_arguments(self) -> dict[str, str | None]:
        """The `ARG`s before the first `FROM`, what `FROM ${VERSION}` may use, and their
        defaults (None: none)."""
        declared: dict[str, str | None] = {}
        for instruction in self.instructions:
            if instruction.name == "FROM":
                break
            if instruction.name == "ARG":
                declared.update(instruction.declared_arguments())
        return declared

    @cached_property
    def stages(self) -> tuple[Stage, ...]:
        stages: list[Stage] = []
        starts = [i for i, instruction in enumerate(self.instructions) if instruction.name == "FROM"]
        for index, start in enumerate(starts):
            stop = starts[index + 1] if index + 1 < len(starts) else len(self.instructions)
            from_instruction = self.instructions[start]
            words = [word.text for word in from_instruction.argument_words]
            image = words[0] if words else ""
            name = words[2].lower() if len(words) >= 3 and words[1].upper() == "AS" else None
            parent = self.stage_named(image, stages, by_index=False)
            stages.append(Stage(index, from_instruction, image, name, self.instructions[start + 1 : stop], parent))
        return tuple(stages)

    @property
    def final_stage(self) -> Stage | None:
        return self.stages[-1] if self.stages else None

    @staticmethod
    def stage_named(reference: str, stages: Sequence[Stage], by_index: bool = True) -> Stage | None:
        """The stage `reference` names among `stages`: by `AS` name (case-insensitive), or
        by index as `COPY --from=0` may (`FROM 0` names an image)."""
        for stage in stages:
            if stage.name is not None and stage.name == reference.lower():
                return stage
        if by_index and reference.isdigit() and int(reference) < len(stages):
            return stages[int(reference)]
        return None

    def built_stage(self, target: str | None) -> Stage | None:
        """The stage a build makes: the one its `--target` names (None if none does), else
        the last."""
        return self.stage_named(target, self.stages) if target else self.final_stage

    def base_image(self, stage: Stage, build_arguments: Mapping[str, str | None] | None = None) -> str | None:
        """The image the stage is ultimately built from, with the global `ARG`s substituted:
        their `build_arguments` (a Compose service's `build.args`, as `--build-arg` gives
        them; None for a value not known here), else their defaults. None when it is
        `scratch` or still holds a variable without a known value."""
        given = build_arguments or {}
        values = {
            name: value
            for name, default in self.global_arguments.items()
            if (value := given.get(name, default)) is not None
        }
        image = expand_variables(stage.root.image, values)
        if image is None or image.lower() == "scratch":
            return None
        return image

    build_context: BuildContext | None = None
    """Where `COPY` and `ADD` read from: set by `parse`."""
    compose: ComposeBuild | None = None
    """How the Compose files of the run build it, when one does: set by `parse`."""


def variable_syntax(line: str, start: int = 0, escape: str = "\\") -> list[tuple[int, int]] | None:
    """Spans of `line[start:]` (the logical line of an instruction that expands variables,
    such as `ENV` or `ARG`) that are variable syntax, as BuildKit's shell lexer reads it
    (`frontend/dockerfile/shell/lex.go`): `$NAME`, `${NAME}`, the `${NAME:-` and `}`
    around a default or alternate value (`-`, `:-`, `+`, `:+`), whose text is a value and
    not syntax (references nested in it are), and a whole `${NAME:?message}`, `${NAME#p}`,
    `${NAME%p}` or `${NAME/p/r}`. Single quotes keep a `$` literal, and so does the escape
    character. None when BuildKit rejects a reference (`${}`, an unknown modifier, a
    missing `}`)."""
    spans: list[tuple[int, int]] = []
    return spans if _BuildKitWords(line, escape, spans).scan(start, None) is not None else None


_BUILDKIT_NAME = regexes.lazy(r"[A-Za-z0-9_]+")
_BUILDKIT_MODIFIER = regexes.lazy(r":[-+?]|[-+?#%/]")


class _BuildKitWords:
    __slots__ = ("escape", "line", "spans")

    line: str
    escape: str
    spans: list[tuple[int, int]]

    def __init__(self, line: str, escape: str, spans: list[tuple[int, int]]) -> None:
        self.line = line
        self.escape = escape
        self.spans = spans

    def scan(self, index: int, stop: str | None) -> int | None:
        """Read from `index` to the unquoted `stop` character (or the end of the line when
        None), noting variable syntax; where it stopped, or None on a syntax error."""
        line, quote = self.line, None
        while index < len(line):
            character = line[index]
            if quote is None and character == stop:
                return index
            if character == self.escape and quote != "'":
                index += 2
            elif quote == "'":
                quote = None if character == "'" else quote
                index += 1
            elif character == "$":
                after = self._reference(index)
                if after is None:
                    return None
                index = after
            else:
                if character in "'\"" and quote in (None, character):
                    quote = None if quote else character
                index += 1
        return index if stop is None else None

    def _reference(self, dollar: int) -> int | None:
        line = self.line
        if not line.startswith("{", dollar + 1):
            name = _BUILDKIT_NAME.match(line, dollar + 1)
            if name is None:
                return dollar + 1  # a literal `$`
            self.spans.append((dollar, name.end()))
            return name.end()
        name = _BUILDKIT_NAME.match(line, dollar + 2)
        if name is None:
            return None
        if line.startswith("}", name.end()):
            self.spans.append((dollar, name.end() + 1))
            return name.end() + 1
        modifier = _BUILDKIT_MODIFIER.match(line, name.end())
        if modifier is None:
            return None
        closing = self.scan(modifier.end(), "}")
        if closing is None:
            return None
        if modifier.group()[-1] in "-+":
            self.spans.extend([(dollar, modifier.end()), (closing, closing + 1)])
        else:
            self.spans.append((dollar, closing + 1))
        return closing + 1


_VARIABLE = regexes.lazy(r"\$(?:\{(\w+)(?:(:?[-+])((?:[^{}$]|\$\w+|\$\{\w+\})*))?\}|(\w+))")


_REFERENCED_NAME = regexes.lazy(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def referenced_variables(text: str) -> list[str]:
    """The names of the variables `text` refers to (`$NAME`, `${NAME}`, and those in a
    default's word: `${A:-$B}` refers to A and B), in order."""
    return _REFERENCED_NAME.findall(text)


def expand_variables(text: str, values: Mapping[str, str]) -> str | None:
    """`text` with its variables replaced from `values` (the variables set), as BuildKit
    expands `FROM`, `ENV` and the like: `$NAME`, `${NAME}`; `${NAME:-word}` and
    `${NAME-word}`, the word where the variable is unset (with `:-`, or empty);
    `${NAME:+word}` and `${NAME+word}`, the word where it is set (with `:+`, and not
    empty), else nothing. The word may hold variables of its own. None when a variable
    with no value is needed, or another form is used."""
    unknown = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unknown
        name, operator, word = match.group(1) or match.group(4), match.group(2), match.group(3)
        value = values.get(name)
        if operator is not None:
            is_set = value is not None and (value != "" or not operator.startswith(":"))
            if operator.endswith("-"):
                return value if is_set else _expanded_word(word)
            return _expanded_word(word) if is_set else ""
        if value is None:
            unknown = True
            return ""
        return value

    def _expanded_word(word: str) -> str:
        nonlocal unknown
        expanded = expand_variables(word, values)
        unknown = unknown or expanded is None
        return expanded or ""

    result = _VARIABLE.sub(replace, text)
    return None if unknown or "$" in result else result


def parse(
    text: str, location: Path | None = None, build_context: Path | None = None, compose: ComposeBuild | None = None
) -> DockerfileDocument:
    """Scan a Dockerfile. Its build context is `build_context` when the caller knows it
    (a Compose service's `build.context`), else the Dockerfile's folder; `compose` is how the
    Compose files of the run build it."""
    scanner = _Scanner(text)
    instructions = scanner.scan()
    document = DockerfileDocument(text, instructions, scanner.directives)
    document.location = location
    document.compose = compose
    if build_context is not None:
        others = [Path(other) for other in compose.other_contexts] if compose is not None else []
        named = _named_sources(document) if others else []
        building = tuple(other.resolve() for other in others if _holds_all(document, other, named))
        document.build_context = BuildContext(build_context, document, location, other_roots=building)
    elif location is not None:
        document.build_context = BuildContext(_assumed_root(document, location), document, location, assumed=True)
    return document


def _assumed_root(document: DockerfileDocument, location: Path) -> Path:
    """The folder taken for the build context of a Dockerfile no Compose file of the run
    builds: its own, unless that lacks a file its `COPY` and `ADD` instructions name and a
    folder above it, within the checkout, holds them all: then the nearest such one. A
    Dockerfile kept in a folder of its own is built from one above (frappe_docker's
    `docker build -f images/production/Containerfile .`, PMOVES.AI's services built from
    `pmoves/`), and its own folder would have none of what it copies."""
    own = location.parent
    named = _named_sources(document)
    folder = own
    while True:
        if _holds_all(document, folder, named):
            return folder
        checkout = folder / ".git"
        document.depends_on(checkout)
        if checkout.exists() or folder.parent == folder:
            return own
        folder = folder.parent


def _named_sources(document: DockerfileDocument) -> list[str]:
    """The files of their context the Dockerfile's `COPY` and `ADD` instructions name
    (without globs or variables)."""
    return sorted(
        {
            path
            for stage in document.stages
            for copy in stage.copies()
            for source in copy.context_sources()
            if "$" not in source and not glob.has_magic(source)
            if not (path := posixpath.normpath(source.lstrip("/") or ".")).startswith("..")
        }
    )


def _holds_all(document: DockerfileDocument, folder: Path, named: list[str]) -> bool:
    """Whether `folder` holds every file of `named` (`_named_sources`): a build of the
    Dockerfile from it can succeed."""
    missing = [path for path in named if not os.path.lexists(folder / path)]
    # The answer changes when one missing appears (the first stands for them all), or when
    # one present goes.
    for path in missing[:1] or named:
        document.depends_on(folder / path)
    return not missing


# --------------------------------------------------------------------------- build context


class ContextError(Exception):
    """A file of the build context cannot be used; the message says why, in a few words."""


MAX_CONTEXT_FILE = 1 << 20
"""Entry point scripts and modules are small; a larger file is not read."""


class BuildContext:
    """Read-only access to the files of a build context, never outside it: those a build
    (of `dockerfile`, whose own ignore file comes first) is sent, less what its
    `.dockerignore` leaves out; or, not `built`, every file of a folder (one bound into a
    container).

    Paths are relative to the context root, as `COPY` sources are (a leading `/` too).
    A path that climbs out with `..`, reaches a symlink pointing outside, or is left out
    of the build, is refused.
    """

    def __init__(
        self,
        root: Path,
        reader: SourceText | None = None,
        dockerfile: Path | None = None,
        *,
        built: bool = True,
        assumed: bool = False,
        other_roots: tuple[Path, ...] = (),
    ) -> None:
        self.root = root.resolve()
        self.assumed = assumed
        """No Compose file of the run names it: it is taken to be the Dockerfile's folder, or
        the nearest one above that holds what the Dockerfile copies (see `_assumed_root`)."""
        self.other_roots = other_roots
        """Other contexts the run's Compose files build the same Dockerfile from."""
        self._reader = reader
        self._dockerfile = dockerfile
        self._built = built
        self._root_prefix = os.path.join(self.root, "")
        self._real_paths: dict[str, str] = {"": str(self.root)}
        """Context-relative path -> where it leads, told by the components below the root."""
        self._listings: dict[tuple[object, ...], list[str]] = {}
        self._listed: set[str] = set()
        """Files a listing found: regular files inside the context, read without resolving again."""
        self._scanned: dict[str, list[os.DirEntry[str]]] = {}
        """Folder -> its entries in name order, for every listing of the context (code facts
        list it for Python files, then for JavaScript)."""

    @property
    def guess(self) -> str | None:
        """What a fix resting on the context's files assumes, where it is a folder above the
        Dockerfile's, taken for its context, or one of several the Dockerfile is built
        from; None otherwise."""
        folder = self._dockerfile.parent.resolve() if self._dockerfile is not None else self.root
        if self.other_roots:
            named = ", ".join(f"`{os.path.relpath(root, folder)}`" for root in (*self.other_roots, self.root))
            return (
                f"services build the Dockerfile from more than one context ({named}), and what it copies"
                f" is read in `{os.path.relpath(self.root, folder)}` alone"
            )
        if not self.assumed or folder == self.root:
            return None
        return (
            f"the build context is taken to be `{os.path.relpath(self.root, folder)}`, the nearest folder above the"
            " Dockerfile's that holds every file its `COPY` instructions name: no Compose file of this run builds it"
        )

    def _missing(self, relative: str) -> ContextError:
        if not self.assumed:
            return ContextError(f"`{relative}` is not in the build context")
        guess = self.guess
        if guess is not None:
            return ContextError(f"`{relative}` is not in the build context: {guess}")
        return ContextError(
            f"`{relative}` is not in the Dockerfile's folder, taken for its build context: "
            "no Compose file of this run builds it from another"
        )

    @cached_property
    def _ignored(self) -> DockerIgnore | None:
        if not self._built:
            return None
        ignore, looked_at = DockerIgnore.for_build(self.root, self._dockerfile)
        for path in looked_at:
            self._looked_at(path)
        return ignore

    @property
    def identity(self) -> tuple[Path, str | None]:
        """What tells its files: the root, and the ignore file that leaves some out."""
        return self.root, self._ignored.path if self._ignored is not None else None

    def path(self, relative: str) -> Path:
        normalised = posixpath.normpath(relative.lstrip("/") or ".")
        if normalised == ".." or normalised.startswith("../"):
            raise ContextError(f"`{relative}` is outside the build context")
        real = self._real_path("" if normalised == "." else normalised)
        self._looked_at(real)
        if real != self._real_paths[""] and not real.startswith(self._root_prefix):
            raise ContextError(f"`{relative}` leads outside the build context")
        resolved = Path(real)
        ignored = self._ignored
        if ignored is not None:
            last = ignored.last_of(normalised)
            # A folder left out is still sent where a later pattern takes something below it back.
            if ignored.leaves_out(last) and not (ignored.may_take_back_below(last) and resolved.is_dir()):
                raise ContextError(f"`{relative}` is left out of the build context by {ignored.name}")
        return resolved

    def _real_path(self, relative: str) -> str:
        """`os.path.realpath` of the context-relative path, but the root (resolved already)
        never looked at again, and each folder below it looked at once."""
        if relative in self._real_paths:
            return self._real_paths[relative]
        folder, _, name = relative.rpartition("/")
        joined = os.path.join(self._real_path(folder), name)
        real = os.path.realpath(joined) if os.path.islink(joined) else joined
        self._real_paths[relative] = real
        return real

    def _looked_at(self, path: Path | str) -> None:
        """What the rules find now depends on this file or folder too."""
        if self._reader is not None:
            self._reader.depends_on(path)

    def is_dir(self, relative: str) -> bool:
        try:
            return self.path(relative).is_dir()
        except ContextError:
            return False

    def names_in(self, relative: str) -> frozenset[str]:
        """The names of the entries of a folder of the context (none when it is not one, or
        is refused): what rules find depends on the folder then, as on a file read."""
        try:
            return frozenset(os.listdir(self.path(relative)))
        except (ContextError, OSError):
            return frozenset()

    def status(self, relative: str) -> Status | None:
        """A file's modification time, size and inode, as the cache tells versions of a file
        apart; None when it cannot be told. What the rules find depends on it, as on a
        file read."""
        try:
            path = self._root_prefix + relative if relative in self._listed else self.path(relative)
            self._looked_at(path)
            return status_of(os.stat(path))
        except (ContextError, OSError):
            return None

    def read_text(self, relative: str) -> str:
        try:
            return self.read_bytes(relative).decode("utf-8")
        except UnicodeDecodeError:
            raise ContextError(f"`{relative}` is not UTF-8 text") from None

    def read_bytes(self, relative: str) -> bytes:
        if relative in self._listed:
            path: Path | str = self._root_prefix + relative
            self._looked_at(path)
        else:
            path = self.path(relative)
        try:
            return read_whole(path, MAX_CONTEXT_FILE)
        except FileTooLarge:
            raise ContextError(f"`{relative}` is larger than {MAX_CONTEXT_FILE // 1024} KiB") from None
        except FileNotFoundError:
            raise self._missing(relative) from None
        except IsADirectoryError:
            raise ContextError(f"`{relative}` is a folder") from None
        except OSError as error:
            raise ContextError(f"`{relative}` cannot be read: {error.strerror}") from None

    def expand(self, source: str) -> list[str]:
        """A `COPY` source as context-relative paths: globs expanded, in sorted order. A
        source written from the root (`COPY /requirements /requirements`, celery's docs
        image) is the context's own folder, as Docker reads it."""
        if not glob.has_magic(source):
            return [source.lstrip("/") or "."]
        pattern = posixpath.normpath("/" + source).lstrip("/")
        folders = pattern.split("/")[:-1]
        self._looked_at(self.root.joinpath(*itertools.takewhile(lambda part: not glob.has_magic(part), folders)))
        matches = []
        for match in sorted(self.root.glob(pattern)):
            relative = match.relative_to(self.root).as_posix()
            try:
                self.path(relative)
            except ContextError:
                continue
            matches.append(relative)
        return matches

    def files_under(
        self, relative: str, suffix: str, limit: int = 2000, skip: Callable[[str], bool] | None = None
    ) -> list[str]:
        """Regular files below a folder whose names end in `suffix`, symlinks not followed,
        in sorted depth-first order (each folder's files before its sub-folders). Folders
        whose names `skip` accepts are not entered, nor looked at."""
        key = (posixpath.normpath(relative), suffix, limit, skip)
        if key not in self._listings:
            self._listings[key] = found = self._list(relative, suffix, limit, skip)
            self._listed.update(found)
        return self._listings[key]

    def _list(self, relative: str, suffix: str, limit: int, skip: Callable[[str], bool] | None) -> list[str]:
        try:
            top = self.path(relative)
        except ContextError:
            return []
        if top.is_file():
            return [posixpath.normpath(relative.lstrip("/"))] if relative.endswith(suffix) else []
        ignored = self._ignored
        found: list[str] = []
        pending = [(str(top), ignored.last_of(str(top)[len(self._root_prefix) :]) if ignored is not None else -1)]
        while pending:
            folder, above = pending.pop()
            self._looked_at(folder)  # a file added to or removed from it changes its mtime
            try:
                entries = self._scanned.get(folder)
                if entries is None:
                    entries = self._scanned[folder] = sorted(os.scandir(folder), key=lambda entry: entry.name)
            except OSError:
                continue
            subfolders = []
            for entry in entries:
                relative = entry.path[len(self._root_prefix) :]
                last = ignored.last_match(relative, above) if ignored is not None else -1
                left_out = ignored is not None and ignored.leaves_out(last)
                if entry.is_dir(follow_symlinks=False):
                    if (skip is None or not skip(entry.name)) and (not left_out or ignored.may_take_back_below(last)):
                        subfolders.append((entry.path, last))
                elif entry.name.endswith(suffix) and not left_out and entry.is_file(follow_symlinks=False):
                    found.append(relative)
                    if len(found) >= limit:
                        return found
            pending.extend(reversed(subfolders))
        return found


# --------------------------------------------------------------------------- files in the image


class ImageFile(NamedTuple):
    """Where a file of the image comes from: a build-context file or a heredoc body."""

    image_path: str
    context_path: str | None
    heredoc: Heredoc | None


class NotLocated(Exception):
    """Where a file of the image comes from is unknown; the message says why."""


def locate(document: DockerfileDocument, stage: Stage, image_path: str) -> ImageFile:
    """Follow `image_path` back through the `COPY`/`ADD` instructions of `stage` (and the
    stages it is built from or copies `--from`) to the build context or a heredoc.

    The last instruction that writes the path wins, as in the image.
    """
    context = document.build_context
    image_path = posixpath.normpath(image_path)
    for owner in stage.lineage():
        for copy in reversed(owner.copies()):
            for source in reversed(copy.sources):
                found = _from_source(document, owner, copy, source, image_path, context)
                if found is not None:
                    return found
    raise NotLocated(f"no `COPY` or `ADD` of the build context writes `{image_path}`")


def context_sources(document: DockerfileDocument, stage: Stage) -> tuple[str, ...]:
    """What of the build context the image of `stage` holds: the paths (files and folders;
    `.` for all of it) that its `COPY` and `ADD` instructions take from the context, and
    those of the stages it is built from or copies `--from`; globs expanded, sorted."""
    context = document.build_context
    found: set[str] = set()
    pending, seen = [stage], set()
    while pending:
        current = pending.pop()
        if current.index in seen:
            continue
        seen.add(current.index)
        for owner in current.lineage():
            for copy in owner.copies():
                if copy.from_stage is not None:
                    earlier = document.stage_named(copy.from_stage, document.stages[: owner.index])
                    if earlier is not None:
                        pending.append(earlier)
                    continue
                for source in copy.context_sources():
                    for path in context.expand(source) if context is not None else [source]:
                        found.add(posixpath.normpath(path.lstrip("/") or "."))
    return tuple(sorted(found))


def _fetched(source: str) -> bool:
    """Whether an `ADD` source is fetched (a URL, a git repository), not the context's."""
    return "://" in source or source.startswith("git@")


_GIT_SOURCE = regexes.lazy(r"^git@|^git://|\.git(?:$|[#?])")
"""An `ADD` source BuildKit clones as a git repository, into a folder."""


def _from_source(
    document: DockerfileDocument,
    stage: Stage,
    copy: Copy,
    source: str,
    image_path: str,
    context: BuildContext | None,
) -> ImageFile | None:
    heredoc = copy.heredoc(source)
    if heredoc is not None:
        return ImageFile(image_path, None, heredoc) if copy.landing(heredoc.name) == image_path else None
    if copy.from_stage is not None:
        origin = _origin_path(copy, source, image_path, is_dir=None)
        if origin is None:
            return None
        earlier = document.stage_named(copy.from_stage, document.stages[: stage.index])
        if earlier is None:
            raise NotLocated(f"`{image_path}` is copied from image `{copy.from_stage}`")
        return locate(document, earlier, origin)
    if _fetched(source):
        # A file downloaded over the context's copy of it is the one the image holds.
        tree = None if _GIT_SOURCE.search(source) else False  # a repository is a tree, a URL one file
        if _origin_path(copy, source, image_path, is_dir=tree) is not None:
            raise NotLocated(f"`{image_path}` is downloaded by `{copy.instruction.keyword} {source}`")
        return None
    if context is None:
        if _origin_path(copy, source, image_path, is_dir=None) is None:
            return None
        raise NotLocated(f"`{image_path}` comes from the build context, unknown for a Dockerfile not read from disk")
    for expanded in context.expand(source):
        origin = _origin_path(copy, expanded, image_path, is_dir=context.is_dir(expanded))
        if origin is not None:
            return ImageFile(image_path, origin, None)
    return None


def _origin_path(copy: Copy, source: str, image_path: str, is_dir: bool | None) -> str | None:
    """The source-side path that lands on `image_path`, or None.

    A file source lands in a folder destination (trailing `/`, several sources), or at
    the destination itself, which may also be a folder the image already has: both are
    accepted. A folder source copies its contents into the destination. `is_dir` None
    means unknown (a path in another stage): both readings are tried, file first.
    """
    source = source.rstrip("/") or "."
    folder = copy.destination.rstrip("/")
    if is_dir is not True:
        landings = (copy.landing(source), posixpath.join(folder or "/", posixpath.basename(source)))
        if image_path in landings:
            return source
    if is_dir is not False and image_path.startswith(folder + "/"):
        return posixpath.normpath(posixpath.join(source, image_path[len(folder) + 1 :]))
    return None


def read_image_file(document: DockerfileDocument, found: ImageFile) -> str:
    """The text of a located file; raises ContextError."""
    if found.heredoc is not None:
        return document.text[found.heredoc.body_start : found.heredoc.body_end]
    assert found.context_path is not None and document.build_context is not None
    return document.build_context.read_text(found.context_path)


# --------------------------------------------------------------------------- entry points

_WINDOWS_PATH = regexes.lazy(r"[A-Za-z]:[\\/]")
PATH_FOLDERS = ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")
"""The folders of the default `PATH`, which every Linux image has."""


def _existing_folder(path: str, workdir: str) -> bool:
    """Whether every image has `path` as a folder where a `COPY` writes to it, which then
    copies into it: the working directory (`COPY main.py .`) or a folder above it, or a
    folder of the default `PATH` (`COPY docker-entrypoint.sh /usr/local/bin`)."""
    return path in PATH_FOLDERS or path == workdir or workdir.startswith(path.rstrip("/") + "/")


def entrypoint_program(instruction: Instruction) -> str | None:
    """The program an `ENTRYPOINT` really runs, past init wrappers (`tini --`, `dumb-init`),
    shells (`/bin/sh /entrypoint.sh`, `sh -c "exec /entrypoint.sh"`) and `exec`.

    The shell form runs under `/bin/sh -c`. None when there is nothing to run or the
    command cannot be split into words.
    """
    argv = instruction.exec_form
    return program_run_by(argv if argv is not None else ["/bin/sh", "-c", instruction.arguments])


def program_run_by(argv: list[str]) -> str | None:
    """The program an argument vector really runs, past init wrappers, shells and `exec`
    (see `entrypoint_program`); None when there is nothing to run or a shell's command
    cannot be split into words."""
    while argv:
        program = posixpath.basename(argv[0])
        if program in INIT_PROGRAMS:
            argv = skip_options(argv[1:], INIT_PROGRAMS[program])
        elif program in SHELLS:
            argv = _shell_command(argv[1:])
            if argv is None:
                return None
        elif program == "exec":
            argv = argv[1:]
        else:
            return argv[0]
    return None


def _shell_command(arguments: list[str]) -> list[str] | None:
    """What a shell runs: the words of its `-c` string (`sh -ec "..."` too), or the script
    and its arguments (`sh -e /entrypoint.sh`). None when the string cannot be split."""
    script = shell_script(arguments)
    if script is not None:
        try:
            return shlex.split(script, comments=True)
        except ValueError:
            return None
    for index, argument in enumerate(arguments):
        if argument == "--" or not argument.startswith("-"):
            return arguments[index + (argument == "--") :]
    return []


def program_image_paths(stage: Stage, program: str) -> list[str]:
    """Where in the image `program` may be: a path as given (relative to the working
    directory), or each folder of the default `PATH` for a bare name."""
    if "/" in program:
        return [posixpath.normpath(posixpath.join(stage.working_directory(), program))]
    return [posixpath.join(folder, program) for folder in PATH_FOLDERS]


def locate_program(document: DockerfileDocument, stage: Stage, program: str) -> ImageFile:
    """The file an entry point program comes from; raises NotLocated."""
    if "$" in program:
        raise NotLocated(f"`{program}` depends on a variable")
    for image_path in program_image_paths(stage, program):
        try:
            return locate(document, stage, image_path)
        except NotLocated:
            if "/" in program:
                raise
    raise NotLocated(f"no `COPY` or `ADD` of the build context puts `{program}` on the `PATH` (the base image may)")
