import services.common.config as config

print(config.QUEUE)
