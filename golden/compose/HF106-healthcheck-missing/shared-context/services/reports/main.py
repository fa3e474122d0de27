from fastapi import FastAPI

app = FastAPI()


@app.get("/reports")
def reports():
    return []
