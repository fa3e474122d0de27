"""The Dockerfile scanner against BuildKit's own parser, and its edge cases one by one."""

from __future__ import annotations

import dockerfile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from golden import ROOT
from hardenfix.files import decode
from hardenfix.sources import ParseError
from hardenfix.sources.dockerfile import DockerfileDocument, Heredoc, parse, split_words

GOLDEN_DOCKERFILES = sorted(ROOT.glob("dockerfile/*/*/*.Dockerfile"))


def scanner_spans(text: str) -> list[tuple[str, int, int]]:
    document = parse(text)
    return [
        (instruction.keyword, document.position(instruction.start).line, document.position(instruction.end).line)
        for instruction in document.instructions
    ]


def buildkit_spans(text: str) -> list[tuple[str, int, int]]:
    # BuildKit reports a line holding only a continuation character as an instruction without a keyword.
    return [(command.cmd or "", command.start_line, command.end_line) for command in dockerfile.parse_string(text)]


def test_golden_dockerfiles_exist() -> None:
    assert len(GOLDEN_DOCKERFILES) >= 60


@pytest.mark.parametrize("path", GOLDEN_DOCKERFILES, ids=lambda path: path.relative_to(ROOT).as_posix())
def test_spans_match_buildkit_on_golden_dockerfiles(path) -> None:
    text = decode(path.read_bytes()).text
    assert scanner_spans(text) == buildkit_spans(text)


def test_continuation_with_comments_and_blank_lines() -> None:
    text = "FROM alpine\nRUN apk add \\\n  # the client\n\n    curl \\\n  && echo done\nCMD sh\n"
    document = parse(text)
    run = document.instructions[1]
    assert run.line == "RUN apk add     curl   && echo done"
    assert (document.position(run.start).line, document.position(run.end).line) == (2, 6)
    assert text[run.start : run.end] == "RUN apk add \\\n  # the client\n\n    curl \\\n  && echo done"
    assert scanner_spans(text) == buildkit_spans(text)


def test_continuation_character_may_have_trailing_spaces() -> None:
    assert scanner_spans("FROM x\nRUN a \\  \n b\n") == [("FROM", 1, 1), ("RUN", 2, 3)]


def test_logical_offsets_map_back_to_the_text() -> None:
    text = "FROM x\nENV A=1 \\\n    B=http://Host/\n"
    env = parse(text).instructions[1]
    host = env.line.index("Host")
    start, end = env.source_span(host, host + 4)
    assert text[start:end] == "Host"
    # A span that crosses the continuation cannot be edited as one piece of text.
    assert env.source_span(env.line.index("1"), host) is None


def test_heredocs_several_on_one_line_and_chomp() -> None:
    text = "FROM x\nRUN <<EOF cat >/a && <<-'END' cat >/b\nUSER root\nEOF\n\tUSER nobody\n\tEND\nUSER app\n"
    document = parse(text)
    run, user = document.instructions[1], document.instructions[2]
    assert [(h.name, h.chomp) for h in run.heredocs] == [("EOF", False), ("END", True)]
    assert [text[h.body_start : h.body_end] for h in run.heredocs] == ["USER root\n", "\tUSER nobody\n"]
    assert (document.position(run.end).line, user.line) == (6, "USER app")
    assert [i.name for i in document.instructions] == ["FROM", "RUN", "USER"]


def test_heredoc_terminator_must_match_exactly() -> None:
    text = "FROM x\nRUN <<EOF\n\tEOF\nEOF \nEOF\n"
    run = parse(text).instructions[1]
    assert run.heredocs == (Heredoc("EOF", False, 17, 27),)
    assert text[17:27] == "\tEOF\nEOF \n"


def test_heredocs_only_for_run_copy_add_in_shell_form() -> None:
    text = 'FROM x\nCMD cat <<EOF\nRUN ["cat", "<<EOF"]\nRUN echo "<<EOF"\n'
    assert [i.heredocs for i in parse(text).instructions] == [(), (), (), ()]


def test_unterminated_heredoc_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="unterminated heredoc <<EOF"):
        parse("FROM x\nRUN <<EOF\necho hi\n")


def test_directives_only_at_the_very_top() -> None:
    top = parse("# syntax=docker/dockerfile:1\n# escape=`\nFROM x\nRUN a `\n b\n")
    assert top.directives == {"syntax": "docker/dockerfile:1", "escape": "`"}
    assert top.instructions[1].line == "RUN a  b"
    late = parse("FROM x\n# escape=`\nRUN a \\\n b\n")
    assert late.directives == {}
    assert late.instructions[1].line == "RUN a  b"
    after_blank = parse("\n# escape=`\nFROM x\nRUN a `\nCMD b\n")
    assert after_blank.directives == {}
    assert [i.name for i in after_blank.instructions] == ["FROM", "RUN", "CMD"]


def test_escape_directive_is_validated() -> None:
    with pytest.raises(ParseError, match="invalid escape token 'x'"):
        parse("# escape=x\nFROM x\n")
    with pytest.raises(ParseError, match="only one escape parser directive"):
        parse("# escape=`\n# escape=`\nFROM x\n")


def test_lowercase_keywords() -> None:
    document = parse("from python:3.12 as build\nuser app\n")
    assert [(i.keyword, i.name) for i in document.instructions] == [("from", "FROM"), ("user", "USER")]
    assert document.stages[0].name == "build"


def test_crlf() -> None:
    text = "FROM x\r\nRUN a \\\r\n  b\r\nRUN <<EOF\r\nhi\r\nEOF\r\n"
    document = parse(text)
    run, heredoc_run = document.instructions[1], document.instructions[2]
    assert run.line == "RUN a   b"
    assert text[run.start : run.end] == "RUN a \\\r\n  b"
    assert text[heredoc_run.heredocs[0].body_start : heredoc_run.heredocs[0].body_end] == "hi\r\n"
    assert scanner_spans(text) == buildkit_spans(text) == [("FROM", 1, 1), ("RUN", 2, 3), ("RUN", 4, 6)]


def test_no_final_newline() -> None:
    text = "FROM x\nCMD a \\\n  b"
    document = parse(text)
    assert document.instructions[1].end == len(text)
    assert scanner_spans(text) == buildkit_spans(text) == [("FROM", 1, 1), ("CMD", 2, 3)]


def test_empty_file_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="file with no instructions"):
        parse("# only a comment\n\n")


def test_flags_arguments_and_exec_form() -> None:
    healthcheck, copy = parse(
        'HEALTHCHECK --interval=5s --retries=3 CMD ["curl", "-f", "x"]\nCOPY --chown=a:b a b\n'
    ).instructions
    assert [flag.text for flag in healthcheck.flags] == ["--interval=5s", "--retries=3"]
    assert (healthcheck.flag("interval"), healthcheck.flag("timeout")) == ("5s", None)
    assert healthcheck.arguments == 'CMD ["curl", "-f", "x"]'
    assert healthcheck.exec_form is None
    assert copy.exec_form is None
    assert parse('ENTRYPOINT ["/a", "b"]\n').instructions[0].exec_form == ["/a", "b"]


def test_split_words_keeps_quotes_together() -> None:
    assert [w.text for w in split_words("ENV A=\"b c\" D='e f' G=h\\ i")] == ["ENV", 'A="b c"', "D='e f'", "G=h\\ i"]


def test_stages_and_working_directory() -> None:
    document = parse(
        "ARG V=3.12\nFROM python:${V}-slim AS Base\nWORKDIR /app\nFROM base AS test\nWORKDIR tests\nFROM 0\n"
    )
    base, test, last = document.stages
    assert (base.name, test.parent, last.parent) == ("base", base, None)
    assert test.working_directory() == "/app/tests"
    assert document.base_image(test) == "python:3.12-slim"
    assert document.final_stage is last


@pytest.mark.parametrize(
    ("dockerfile", "build_arguments", "base"),
    [
        ("ARG BASE\nFROM ${BASE}\n", {"BASE": "altinity/clickhouse-server:25.8"}, "altinity/clickhouse-server:25.8"),
        ("ARG BASE\nFROM ${BASE}\n", {}, None),
        ("ARG BASE=python:3.11\nFROM $BASE\n", {"BASE": "python:3.12"}, "python:3.12"),
        ("ARG BASE=python:3.11\nFROM $BASE\n", {"BASE": None}, None),  # given, its value not known here
        ("FROM python:3.11\nARG BASE\nFROM ${BASE}\n", {"BASE": "python:3.12"}, None),  # not a global ARG
        ("ARG V\nFROM python:${V:-3.12}-slim\n", {}, "python:3.12-slim"),
        ("ARG V\nFROM python:${V:-3.12}-slim\n", {"V": ""}, "python:3.12-slim"),
        ("ARG V\nFROM python:${V-3.12}-slim\n", {"V": ""}, "python:-slim"),
        ("ARG V\nFROM python:${V-3.12}-slim\n", {"V": "3.13"}, "python:3.13-slim"),
        ("ARG V=3.12\nFROM python:${V:+3.13}-slim\n", {}, "python:3.13-slim"),
        ("ARG VARIANT\nFROM python:3.12${VARIANT:+-$VARIANT}\n", {}, "python:3.12"),
        ("ARG VARIANT\nFROM python:3.12${VARIANT:+-$VARIANT}\n", {"VARIANT": "slim"}, "python:3.12-slim"),
        ("ARG V\nFROM python:${V:+$UNSET}\n", {"V": "1"}, None),
        ("ARG V\nFROM python:${V/3/4}\n", {"V": "3"}, None),
    ],
)
def test_the_base_image_takes_the_build_arguments_given(
    dockerfile: str, build_arguments: dict[str, str | None], base: str | None
) -> None:
    """As `--build-arg` (a Compose service's `build.args`) sets a global `ARG` for `FROM`."""
    document = parse(dockerfile)
    assert document.base_image(document.stages[-1], build_arguments) == base


def test_workdir_and_copy_paths_expand_the_variables_set_before_them() -> None:
    """As BuildKit expands them: ENV (inherited by the stages built from it) over the
    stage's own ARG defaults; a variable with no known value leaves the path as written."""
    document = parse(
        "FROM python:3.12-slim AS base\nENV HOME=/home/app\nENV APP_HOME=$HOME/web\nWORKDIR $APP_HOME\n"
        "ARG STATIC=static\nCOPY . ${APP_HOME}/src/\nCOPY assets ./${STATIC}\n"
        "FROM base\nCOPY --chown=app conf $UNSET/conf\nWORKDIR ${STATIC:-public}\n"
    )
    base, child = document.stages
    assert base.working_directory() == "/home/app/web"
    assert [copy.destination for copy in base.copies()] == ["/home/app/web/src/", "/home/app/web/static"]
    assert base.variables()["APP_HOME"] == "/home/app/web" and "STATIC" not in child.variables()
    assert child.copies()[0].destination == "/home/app/web/$UNSET/conf"
    assert child.working_directory() == "/home/app/web/public"


def fragments() -> st.SearchStrategy[str]:
    lines = st.sampled_from(
        [
            "FROM x", "RUN a \\", "RUN b\\  ", "  # c", "# c \\", "", "   ", "\\", "run <<EOF",
            "RUN <<-EOT cat && <<EOF2 x", "EOF", "\tEOT", "EOT", "EOF2", "COPY <<EOF /x", 'CMD ["a"]',
            'RUN ["<<EOF"]', "  && b", "# escape=`", "# syntax=x", "RUN a `", "RUN 3<<'EOF' x", "\t", "USER app",
        ]
    )  # fmt: skip
    return st.builds(
        lambda chosen, newline, final: newline.join(chosen) + final * bool(chosen),
        st.lists(lines, min_size=1, max_size=8),
        st.sampled_from(["\n", "\r\n"]),
        st.sampled_from(["", "\n"]),
    )


@settings(max_examples=300, deadline=None)
@given(fragments())
def test_spans_match_buildkit_on_generated_files(text: str) -> None:
    try:
        expected = buildkit_spans(text)
    except dockerfile.GoParseError:
        return  # BuildKit also rejects arguments (ENV without `=`, ...) that the scanner leaves to rules
    assert scanner_spans(text) == expected


def test_document_location_and_build_context(tmp_path) -> None:
    path = tmp_path / "Dockerfile"
    document = parse("FROM x\n", path)
    assert isinstance(document, DockerfileDocument)
    assert document.location == path
    assert document.build_context.root == tmp_path.resolve()
    assert parse("FROM x\n").build_context is None
    assert parse("FROM x\n", path, build_context=tmp_path.parent).build_context.root == tmp_path.parent.resolve()


@pytest.mark.parametrize(
    ("text", "windows"),
    [
        ("FROM python:3.11\nWORKDIR C:\\\\chroma\nCOPY . .\n", True),  # chroma's Dockerfile.windows
        ("FROM python:3.11\nWORKDIR c:/app\n", True),
        ('FROM mcr.microsoft.com/windows/servercore\nSHELL ["powershell", "-Command"]\n', True),
        (
            'FROM mcr.microsoft.com/windows/servercore\nSHELL ["C:\\\\Windows\\\\System32\\\\cmd.exe", "/S", "/C"]\n',
            True,
        ),
        ("# escape=`\nFROM mcr.microsoft.com/windows/nanoserver\n", True),
        ('FROM python:3.12\nWORKDIR /app\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]\n', False),
        ("FROM python:3.12\nWORKDIR app:data\n", False),
    ],
)
def test_a_dockerfile_for_a_windows_image_is_told(text: str, windows: bool) -> None:
    assert parse(text).builds_for_windows is windows


@pytest.mark.parametrize(
    ("copy", "landing"),
    [
        ("COPY main.py .", "/app/main.py"),  # the working directory exists: the file goes into it
        ("COPY main.py ./", "/app/main.py"),
        ("COPY main.py /", "/main.py"),
        ("COPY docker-entrypoint.sh /usr/local/bin", "/usr/local/bin/docker-entrypoint.sh"),
        ("COPY main.py ..", "/main.py"),
        ("COPY main.py run.py", "/app/run.py"),
        ("COPY main.py /srv/run.py", "/srv/run.py"),
        ("COPY main.py /srv", "/srv"),  # a folder no image is known to have: written as a file
    ],
)
def test_a_file_copied_to_a_folder_the_image_has_lands_inside_it(copy: str, landing: str) -> None:
    [stage] = parse(f"FROM python:3.12-slim\nWORKDIR /app\n{copy}\n").stages
    [found] = stage.copies()
    assert found.landing("main.py" if "main.py" in copy else "docker-entrypoint.sh") == landing


def test_a_variable_set_empty_expands_to_nothing() -> None:
    """`ENV SUB=` is set, to nothing: `WORKDIR /srv/$SUB` is `/srv`, not a folder named `$SUB`."""
    [stage] = parse("FROM python:3.12-slim\nENV SUB=\nWORKDIR /srv/$SUB\nWORKDIR $SUB\n").stages
    assert stage.working_directory() == "/srv"
