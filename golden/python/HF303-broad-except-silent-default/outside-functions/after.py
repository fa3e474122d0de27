try:
    import ujson as json
except Exception:
    json = None

try:
    from local_settings import DEBUG
except BaseException:
    pass


class Config:
    try:
        import tomllib
    except:
        pass
