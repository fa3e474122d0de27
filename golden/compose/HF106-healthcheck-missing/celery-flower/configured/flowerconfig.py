port = 5600
url_prefix = "ops"
