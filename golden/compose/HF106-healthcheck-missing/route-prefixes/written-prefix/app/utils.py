from fastapi import APIRouter

router = APIRouter(prefix="/utils")


@router.get("/health")
def health() -> bool:
    return True
