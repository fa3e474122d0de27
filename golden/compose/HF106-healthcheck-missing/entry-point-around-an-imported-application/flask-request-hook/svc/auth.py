def check_key():
    return ("no", 401)
