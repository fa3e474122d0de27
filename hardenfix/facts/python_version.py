"""Which Python an image runs, as its Dockerfile tells: for a fix that adds code an older
Python cannot parse (HF302's helper and its variable annotations, Python 3.6).

Asked of the Dockerfiles above a module with something to fix, most of which name a current
image: their text is searched first, and the Dockerfile source and the knowledge base are
loaded only for one that may build on an older Python.
"""

from __future__ import annotations

import re
from pathlib import Path

from hardenfix import probes, regexes

_PYTHON_IMAGES = ("python", "pypy")
"""Official images whose tag names the Python line they run (`pypy:2` is PyPy's Python 2.7)."""
_PYTHON_2_INTERPRETERS = frozenset(
    {"python", "python2", "python2.7", "python-minimal", "python2-minimal", "python2.7-minimal"}
)
_PYTHON_2_PACKAGES = frozenset(
    {
        *_PYTHON_2_INTERPRETERS,
        *("python-dev", "python2-dev", "python2.7-dev", "python-devel", "python2-devel"),
        *("python-pip", "python2-pip", "py-pip", "py2-pip", "python-setuptools", "python-virtualenv"),
    }
)
"""A distribution's Python 2, or a package that brings it (Debian's and Ubuntu's before 20.04,
`python-minimal` and `python2.7-dev` among them; Alpine's before 3.12, whose `py2-pip` does;
CentOS 7's, whose `python-devel` does)."""
_BUILD_TOOL_IMAGES = ("node",)
"""Official images on which a distribution's bare Python 2 interpreter is node-gyp's, which
builds native addons (`apk add python2 make g++` before `npm ci`), not what runs the project's
modules: a root Dockerfile of the front end holds the folder of a Python service with an image
of its own. Its pip, setuptools or headers are for Python code of the image's own (`apt-get
install python python-pip && pip install prometheus_client` beside `node server.js`)."""
_PACKAGE_MANAGERS = "|".join(sorted({re.escape(program) for program, _ in probes.PACKAGE_INSTALLS}))
_MAY_INSTALL_PYTHON_2 = regexes.lazy(
    rf"(?m)\b(?:{_PACKAGE_MANAGERS})\b(?:[^\n]*\\\n)*[^\n]*"
    rf"(?<![\w.-])(?:{'|'.join(sorted(map(re.escape, _PYTHON_2_PACKAGES), key=len, reverse=True))})(?![\w.-])"
)
_DISTRIBUTION_PYTHON_3 = {
    "debian": {"jessie": (3, 4), "8": (3, 4), "stretch": (3, 5), "9": (3, 5)},
    "ubuntu": {"trusty": (3, 4), "14.04": (3, 4), "xenial": (3, 5), "16.04": (3, 5)},
    "alpine": {"3.2": (3, 4), "3.3": (3, 5), "3.4": (3, 5), "3.5": (3, 5)},
}
"""The Python 3 of a distribution's releases older than 3.6 (Debian 9's and Ubuntu 16.04's is
3.5), as their image's tag names the release: what a package that brings it runs."""
_DISTRIBUTION_PYTHON_3_PACKAGE = regexes.lazy(r"python3(?:-[\w.+-]+)?|py3-[\w.+-]+")
"""A package that brings the distribution's `python3` (`python3-pip`, Debian's
`python3-prometheus-client`, Alpine's `py3-pip`); not `python3.8`, a line of its own."""
_OLD_PYTHON_3_RELEASE = regexes.lazy(
    r"(?im)^[ \t]*FROM[ \t][^\n]*\b(?:"
    + "|".join(f"{re.escape(name)}:{re.escape(tag)}" for name, tags in _DISTRIBUTION_PYTHON_3.items() for tag in tags)
    + r")(?:\.\d+)*(?![\w.])"
)
"""A `FROM` line naming a release of `_DISTRIBUTION_PYTHON_3`, whose Python 3 packages the text search looks for."""


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
        and _OLD_PYTHON_3_RELEASE.search(text) is None
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
        repository = reference.repository if reference is not None and reference.registry is None else None
        if reference is not None and repository in _PYTHON_IMAGES:
            numbers = parse_tag(reference.tag).numbers if reference.tag else None
            if numbers and (numbers[0] < version[0] or (len(numbers) > 1 and tuple(numbers[:2]) < version)):
                return f"builds on `{image}`"
        if version > (2, 7):
            build_tool = repository in _BUILD_TOOL_IMAGES
            python_3 = _distribution_python_3(repository, reference.tag if reference is not None else None)
            for package, _ in installed_packages(document, stage):
                if package in _PYTHON_2_PACKAGES and not (build_tool and package in _PYTHON_2_INTERPRETERS):
                    return f"installs `{package}`"
                if python_3 is not None and python_3 < version and _DISTRIBUTION_PYTHON_3_PACKAGE.fullmatch(package):
                    return f"installs `{package}`, Python {'.'.join(map(str, python_3))} on `{image}`"
    return None


def _distribution_python_3(repository: str | None, tag: str | None) -> tuple[int, int] | None:
    """The Python 3 of the official distribution image's release its tag names (`16.04`,
    `stretch-slim`, `9.13`, `3.5.2`), when older than 3.6; None for another image or release."""
    releases = _DISTRIBUTION_PYTHON_3.get(repository or "")
    if releases is None or not tag:
        return None
    release = tag.split("-", 1)[0]
    parts = release.split(".")
    # Debian's point releases (`9.13`) and Alpine's (`3.5.2`) are their release's.
    candidates = (release, parts[0], ".".join(parts[:2]))
    return next((releases[name] for name in candidates if name in releases), None)
