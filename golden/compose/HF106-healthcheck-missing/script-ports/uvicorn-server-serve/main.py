import asyncio

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
def health():
    return {"ok": True}


async def main():
    config = uvicorn.Config(app, host="0.0.0.0", port=9000)
    await uvicorn.Server(config).serve()


if __name__ == "__main__":
    asyncio.run(main())
