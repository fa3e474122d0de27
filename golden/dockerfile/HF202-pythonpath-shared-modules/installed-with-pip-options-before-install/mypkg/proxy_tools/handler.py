def serve():
    return None
