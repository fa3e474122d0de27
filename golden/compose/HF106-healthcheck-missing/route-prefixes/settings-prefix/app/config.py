import os


class Settings:
    API_V1_STR = os.environ.get("API_V1_STR", "/api/v1")


settings = Settings()
