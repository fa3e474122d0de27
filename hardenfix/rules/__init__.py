"""Rules, one module each, grouped by file kind."""
