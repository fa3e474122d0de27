"""Which Python an image runs, as its Dockerfile tells: for a fix that adds code an older
Python cannot parse (HF302's helper and its variable annotations, Python 3.6).

Asked of the Dockerfiles above a module with something to fix, most of which name a current
image: their text is searched first, and the Dockerfile source and the knowledge base are
loaded only for one that may build on an older Python.
"""

from __future__ import annotations

import re
from pathlib import Path

from hardenfix import probes

_PYTHON_IMAGES = ("python", "pypy")
"""Official images whose tag names the Python line they run (`pypy:2` is PyPy's Python 2.7)."""
_PYTHON_2_PACKAGES = frozenset(
    {"python", "python2", "python2.7", "python-pip", "python2-pip", "python-dev", "python2-dev", "python-setuptools"}
)
"""A distribution's Python 2 (Debian's and Ubuntu's before 20.04, Alpine's before 3.12, CentOS 7's)."""
_PACKAGE_MANAGERS = "|".join(sorted({re.escape(program) for program, _ in probes.PACKAGE_INSTALLS}))
_MAY_INSTALL_PYTHON_2 = re.compile(
    rf"(?m)\b(?:{_PACKAGE_MANAGERS})\b(?:[^\n]*\\\n)*[^\n]*"
    r"(?<![\w.-])python(?:2(?:\.7)?)?(?:-(?:pip|dev|setuptools))?(?![\w.-])"
)


def older_python(text: str, location: Path, version: tuple[int, int]) -> str | None:
    """How a Dockerfile builds on a Python older than `version`, as a message says it: on a
    `python` or `pypy` image of an older line ("builds on `python:2-slim`"; a tag of the
    major line alone, `python:3`, names its newest release), or installing a distribution's
    Python 2 ("installs `python`"). None when it does not. Most Dockerfiles name a current
    image, and are not parsed: the text is searched first."""
    older = "|".join([*map(str, range(2, version[0])), *(f"{version[0]}\\.{minor}" for minor in range(version[1]))])
    images = "|".join(_PYTHON_IMAGES)
    if (
        re.search(rf"(?im)^[ \t]*FROM[ \t][^\n]*(?:\$|(?:{images}):[ \t]*(?:{older})(?!\d))", text) is None
        and _MAY_INSTALL_PYTHON_2.search(text) is None
    ):
        return None
    from hardenfix.facts.build import installed_packages
    from hardenfix.knowledge import parse_reference
    from hardenfix.knowledge.versions import parse_tag
    from hardenfix.sources.dockerfile import parse as parse_dockerfile

    document = parse_dockerfile(text, location)
    for stage in document.stages:
        image = document.base_image(stage)
        reference = parse_reference(image) if image else None
        if reference is not None and reference.registry is None and reference.repository in _PYTHON_IMAGES:
            numbers = parse_tag(reference.tag).numbers if reference.tag else None
            if numbers and (numbers[0] < version[0] or (len(numbers) > 1 and tuple(numbers[:2]) < version)):
                return f"builds on `{image}`"
        if version > (2, 7):
            for package, _ in installed_packages(document, stage):
                if package in _PYTHON_2_PACKAGES:
                    return f"installs `{package}`"
    return None
