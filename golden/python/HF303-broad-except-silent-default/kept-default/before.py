def max_connections(settings):
    limit = 100
    try:
        limit = int(settings["max_connections"])
    except Exception:
        pass
    return limit


def cached_rate(cache, currency):
    try:
        return cache.rate(currency)
    except Exception:
        pass
    return None


def first_line(path):
    try:
        with open(path) as handle:
            return handle.readline()
    except BaseException:
        # A missing file has no first line.
        pass


def load_flag(settings, name):
    # Not a predicate by its name: `False` stands in for the flag it could not read.
    try:
        return settings.flag(name)
    except Exception:
        return False
