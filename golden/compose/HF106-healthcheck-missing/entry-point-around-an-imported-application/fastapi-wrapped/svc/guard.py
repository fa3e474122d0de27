def require_key(inner):
    async def app(scope, receive, send):
        if scope["type"] == "http" and (b"x-key", b"secret") not in scope["headers"]:
            await send({"type": "http.response.start", "status": 401, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await inner(scope, receive, send)

    return app
