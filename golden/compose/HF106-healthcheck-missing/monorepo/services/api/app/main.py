from fastapi import Depends, FastAPI

from app.routers import status
from app.security import current_user

app = FastAPI(title="api")
app.include_router(status.router)


@app.get("/items")
async def items(user=Depends(current_user)):
    return []
