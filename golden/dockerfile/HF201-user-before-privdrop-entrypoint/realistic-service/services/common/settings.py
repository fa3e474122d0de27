import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    nats_url: str = os.environ.get("NATS_URL", "nats://nats:4222")


settings = Settings()
