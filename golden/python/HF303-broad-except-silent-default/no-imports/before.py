#!/usr/bin/env python3
# Licensed under the MIT licence.


def parse_port(value):
    try:
        return int(value)
    except Exception:
        return 8080
