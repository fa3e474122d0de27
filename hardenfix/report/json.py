"""One JSON array of findings; see `Finding.as_dict` for the fields."""

from __future__ import annotations

import json
from collections.abc import Iterable

from hardenfix.model import Finding


def render(findings: Iterable[Finding]) -> str:
    return json.dumps([finding.as_dict() for finding in findings], indent=2, ensure_ascii=False) + "\n"
