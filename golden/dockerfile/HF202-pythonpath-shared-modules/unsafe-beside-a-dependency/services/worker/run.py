from services.common import settings

print(settings.QUEUE)
