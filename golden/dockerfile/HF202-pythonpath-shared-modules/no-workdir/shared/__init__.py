NAME = "svc"
