def session():
    return None
