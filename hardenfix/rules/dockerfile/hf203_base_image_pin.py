from __future__ import annotations

from collections.abc import Iterator

from hardenfix import regexes
from hardenfix.knowledge import ImageReference, parse_reference
from hardenfix.model import Applicability, Category, Edit, FileKind, Finding, Fix
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.dockerfile import DockerfileDocument, Stage


class BaseImagePin(Rule):
    """
    ## What it does
    Finds `FROM` instructions whose image is `:latest` or has no tag (which
    means `latest`), in every stage, and pins a release from the same pins
    table as Compose's `HF120 image-pin`: the newest one of the image's
    default variant that the build allows. Online (`--online`), it pins the
    version tag that names the same image today, and a tag that names no
    version (`alpine`) counts as floating too.

    ## Why is this bad?
    `latest` is whatever was pushed last: the same Dockerfile builds different
    images on two machines or two days, a rebuild for a one-line change ships
    a major upgrade of the base nobody reviewed, and the build cache hides
    which one you got.

    ## Example
    ```dockerfile
    FROM postgres
    RUN apt-get update && apt-get install -y postgresql-16-pgvector
    ```

    ## Use instead
    ```dockerfile
    FROM postgres:16.6
    RUN apt-get update && apt-get install -y postgresql-16-pgvector
    ```

    ## Fix safety
    Online (`--online`), safe, as for `HF120`: the pin is the most specific
    version tag with the digest the floating reference points at today
    (`FROM postgres` -> `FROM postgres:17.2`, `FROM postgres:alpine` ->
    `FROM postgres:17.2-alpine`), so the build starts from the same image;
    `pin-digests = true` also writes the digest. Where the registry cannot
    answer, the pin is the table's, as offline.

    Offline, unsafe, as for `HF120`: the pinned tag may be older or newer
    than what `latest` pulls today, and a data store pinned below the major
    version that created its volume will not start; the message says the date
    of the pins table and, for a data store, warns about its volume.

    A pin is never one the build rules out. It keeps the default variant, and
    is refused when the stage (or a stage built from it) runs another
    distribution's package manager than that variant is built on (`apt-get`
    needs Debian or Ubuntu, `apk` Alpine); it keeps the release line the
    build names (`postgresql-16-pgvector`, `ENV PG_MAJOR 16`,
    `/usr/lib/postgresql/16/`), and is refused when the table has no release
    of it. Without a known pin the finding is reported with no fix:
    hardenfix never invents a tag. `scratch`, a reference to an earlier stage
    (`FROM build`), a variable (`FROM ${BASE}`) and a template's tag (a Jinja
    template of a Dockerfile, `Dockerfile.j2`: `FROM {{ base_image }}`) are left
    alone; a digest (`@sha256:...`) counts as pinned.

    The pins table is hardenfix's built-in one plus the project's `[pins]`
    configuration.
    """

    code = "HF203"
    slug = "base-image-pin"
    kind = FileKind.DOCKERFILE
    category = Category.SUPPLY_CHAIN
    summary = "Base image without a pinned tag"
    fix_safety = FixSafety.SOMETIMES
    prefilter = regexes.lazy(rb"(?im)^\s*from\s")
    changes = ("FROM",)

    def check(self, document: DockerfileDocument) -> Iterator[Finding]:
        for stage in document.stages:
            finding = self._check_stage(document, stage)
            if finding is not None:
                yield finding

    def _check_stage(self, document: DockerfileDocument, stage: Stage) -> Finding | None:
        words = stage.from_instruction.argument_words
        if not words or stage.parent is not None or stage.image.lower() == "scratch":
            return None
        reference = parse_reference(stage.image)
        span = stage.from_instruction.source_span(words[0].start, words[0].end)
        if reference is None or span is None:
            return None
        same = self.knowledge.same_image_pin(reference)
        if reference.is_pinned and same is None:
            return None
        start, end = span
        message = f"`FROM {stage.image}` floats with every push to `{reference.tag or 'latest'}`"
        if same is not None:
            return self.finding(
                document, start, end, f"{message}; {same.explanation}", self._pin(reference, start, same.written)
            )
        choice = self.knowledge.choose_pin(reference, _build_texts(document, stage))
        if choice is None:
            return self.finding(document, start, end, message + "; no pin is known for it: pin a tested version")
        if choice.tag is None:
            return self.finding(document, start, end, f"{message}; {choice.explanation}")
        fix = self._pin(reference, start, choice.tag, Applicability.UNSAFE)
        return self.finding(document, start, end, message, fix, doubts=[choice.explanation])

    def _pin(
        self, reference: ImageReference, start: int, tag: str, applicability: Applicability = Applicability.SAFE
    ) -> Fix:
        if reference.tag_span is not None:
            edit = Edit.replace(start + reference.tag_span[0], start + reference.tag_span[1], tag)
        else:
            edit = Edit.insert(start + reference.name_end, f":{tag}")
        return self.fix(f"Pin to `{tag}`", edit, applicability=applicability)


def _build_texts(document: DockerfileDocument, stage: Stage) -> Iterator[str]:
    """The instructions of the stage and of every stage built from it: what they run,
    set and copy is what the pinned image must support."""
    for descendant in document.stages:
        if any(ancestor is stage for ancestor in descendant.lineage()):
            yield from (document.instruction_text(instruction) for instruction in descendant.instructions)
