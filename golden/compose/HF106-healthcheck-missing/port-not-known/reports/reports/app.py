def serve(port: int) -> None:
    print(port)
