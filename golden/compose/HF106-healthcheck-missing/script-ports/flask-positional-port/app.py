from flask import Flask
app = Flask(__name__)

@app.get("/health")
def health():
    return "ok"

if __name__ == "__main__":
    app.run("0.0.0.0", 8080)
