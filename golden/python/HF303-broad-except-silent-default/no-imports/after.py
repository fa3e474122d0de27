#!/usr/bin/env python3
# Licensed under the MIT licence.


import logging

logger = logging.getLogger(__name__)


def parse_port(value):
    try:
        return int(value)
    except Exception as exc:
        logger.warning("parse_port failed: %s", exc)
        return None
