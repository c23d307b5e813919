import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("tsunagu")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="config.ping", ignore_result=False)
def ping(value: str = "pong") -> str:
    """Round-trip probe used by /healthz tooling and the broker tests."""
    return value


# The request id travels from a request to the tasks it queues (signal handlers).
import config.logs  # noqa: E402, F401
