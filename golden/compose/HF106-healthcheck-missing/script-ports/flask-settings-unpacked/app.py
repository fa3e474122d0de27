from flask import Flask
app = Flask(__name__)
SETTINGS = {"host": "0.0.0.0", "port": 8080}

@app.get("/health")
def health():
    return "ok"

if __name__ == "__main__":
    app.run(**SETTINGS)
