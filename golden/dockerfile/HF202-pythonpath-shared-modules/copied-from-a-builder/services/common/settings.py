QUEUE = "orders"
