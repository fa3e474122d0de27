ROUTES = ["/healthz"]
