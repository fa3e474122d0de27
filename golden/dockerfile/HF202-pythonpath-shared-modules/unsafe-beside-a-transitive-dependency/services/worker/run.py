from celery import Celery

from services.common import settings

app = Celery("worker", broker=settings.BROKER_URL)

if __name__ == "__main__":
    app.worker_main(["worker"])
