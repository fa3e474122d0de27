"""The golden-case harness, shared by the tests and `scripts/regen-golden`.

A case is a folder `golden/<kind>/<CODE-slug>/<case>/` holding `before.<ext>`,
the reviewed `after.<ext>` (equal to before when nothing applies), the expected
`findings.json`, and optionally a `hardenfix.toml` with settings. Without one,
only the rule named by the folder runs. A Dockerfile case may hold the `compose.yaml`
that builds it: the run takes in what it says of the Dockerfile, as a run of both does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from hardenfix import config
from hardenfix.discovery import Candidate
from hardenfix.engine import Engine
from hardenfix.model import FileKind, Outcome
from hardenfix.runner import Job, Mode, _build_contexts_of, process

ROOT = Path(__file__).resolve().parent.parent / "golden"
CONFIG_NAME = "hardenfix.toml"


@dataclass(frozen=True)
class Case:
    folder: Path
    kind: FileKind

    @property
    def id(self) -> str:
        return self.folder.relative_to(ROOT).as_posix()

    @property
    def before(self) -> Path:
        return next(self.folder.glob("before.*"))

    @property
    def after(self) -> Path:
        return self.folder / self.before.name.replace("before", "after", 1)

    @property
    def findings_file(self) -> Path:
        return self.folder / "findings.json"

    def settings(self) -> config.Settings:
        if (self.folder / CONFIG_NAME).exists():
            return config.load(self.folder / CONFIG_NAME)
        code = self.folder.parent.name.split("-", 1)[0]
        return config.Settings(select=(code,))

    def engine(self) -> Engine:
        settings = self.settings()
        return Engine(settings.rules(), unsafe_fixes=settings.unsafe_fixes)

    def run(self, path: Path | None = None, mode: Mode = Mode.DIFF):
        path = path or self.before
        job = Job(self.engine(), mode, path.parent)
        compose = self.folder / "compose.yaml"
        if self.kind is FileKind.DOCKERFILE and compose.exists():
            job.learn_builds(str(compose), _build_contexts_of(compose, None))
        return process(Candidate(path, self.kind, explicit=True), job)


def cases() -> list[Case]:
    found = []
    for kind in FileKind:
        for before in sorted((ROOT / kind.value).glob("*/*/before.*")):
            found.append(Case(before.parent, kind))
    return found


def findings_as_json(case: Case) -> list[dict[str, object]]:
    result = case.run(mode=Mode.CHECK)
    assert result.outcome not in (Outcome.FAILED, Outcome.INVALID), result.error
    return [{k: v for k, v in finding.as_dict().items() if k != "path"} for finding in result.findings]


def fixed_bytes(case: Case) -> bytes:
    result = case.run()
    assert result.outcome not in (Outcome.FAILED, Outcome.INVALID), result.error
    return result.fixed_bytes if result.fixed_bytes is not None else case.before.read_bytes()


def regenerate(case: Case) -> bool:
    """Rewrite the case's after file and findings; True when either changed."""
    findings = json.dumps(findings_as_json(case), indent=2, ensure_ascii=False) + "\n"
    after = fixed_bytes(case)
    changed = not case.after.exists() or case.after.read_bytes() != after
    changed |= not case.findings_file.exists() or case.findings_file.read_text(encoding="utf-8") != findings
    case.after.write_bytes(after)
    case.findings_file.write_text(findings, encoding="utf-8")
    return changed
