import subprocess
from flask import Flask
app = Flask(__name__)

@app.get("/health")
def health():
    return "ok"

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8080)

def rebuild():
    subprocess.run(["make", "assets"], check=True)
