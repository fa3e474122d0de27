from flask import Flask
app = Flask(__name__)

@app.get("/health")
def health():
    return "ok"

if __name__ == "__main__":
    app.run(host="0.0.0.0", port=5443, ssl_context=("/certs/cert.pem", "/certs/key.pem"))
