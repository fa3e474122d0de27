#!/usr/bin/env python3
# Licensed under the MIT licence.


import logging

logger = logging.getLogger(__name__)


def parse_port(value):
    try:
        return int(value)
    except Exception:
        logger.exception("parse_port failed; using a default")
        return 8080
