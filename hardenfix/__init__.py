"""hardenfix: production-hardening codemods for Compose files, Dockerfiles and Python."""

__version__ = "0.1.0"
