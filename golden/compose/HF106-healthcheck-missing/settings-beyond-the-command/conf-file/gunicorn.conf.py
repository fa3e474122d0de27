# gunicorn loads this from its working directory: HTTPS alone
certfile = "/certs/cert.pem"
keyfile = "/certs/key.pem"
