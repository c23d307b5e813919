"""A task sent through a real broker comes back from a real worker."""

import os

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker


def _app(broker: str, backend: str, **transport) -> Celery:
    app = Celery("roundtrip", set_as_current=False)
    app.conf.update(
        broker_url=broker,
        result_backend=backend,
        broker_transport_options=transport,
        task_serializer="json",
        accept_content=["json"],
    )

    @app.task(name="roundtrip.echo")
    def echo(value):
        return {"echo": value}

    return app


def _round_trip(app: Celery) -> None:
    with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING"):
        result = app.send_task("roundtrip.echo", args=["つなぐ"])
        assert result.get(timeout=20) == {"echo": "つなぐ"}


def test_round_trip_over_redis():
    url = os.environ["REDIS_URL"]
    _round_trip(_app(url, url))


def test_round_trip_over_file_system_broker(tmp_path):
    queue = tmp_path / "queue"
    queue.mkdir()
    (tmp_path / "results").mkdir()
    _round_trip(
        _app(
            "filesystem://",
            f"file://{tmp_path / 'results'}",
            data_folder_in=str(queue),
            data_folder_out=str(queue),
        )
    )


def test_project_app_uses_the_file_system_broker_without_redis(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env["TSUNAGU_VAR_DIR"] = str(tmp_path)
    code = "from config.celery import app; import django; django.setup(); print(app.conf.broker_url)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "filesystem://"
    assert (tmp_path / "broker" / "queue").is_dir()


pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
