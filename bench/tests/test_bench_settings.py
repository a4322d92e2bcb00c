"""The floor endpoint exists only under the bench settings."""

from django.test import override_settings
from django.urls import resolve

from bench.floor import FloorView


def test_the_normal_settings_do_not_mount_the_floor(client, db):
    assert client.post("/bench/floor/", {}, content_type="application/json").status_code == 404


def test_the_bench_urls_mount_the_floor_beside_the_apps_urls():
    with override_settings(ROOT_URLCONF="bench.urls"):
        assert resolve("/bench/floor/").func.view_class is FloorView
        assert resolve("/admin/").app_name == "admin"


def test_the_bench_settings_use_the_bench_urls_and_app():
    from config import settings_bench

    assert settings_bench.ROOT_URLCONF == "bench.urls"
    assert "bench" in settings_bench.INSTALLED_APPS


def test_the_bench_settings_leave_the_normal_settings_alone():
    from config import settings as normal
    from config import settings_bench

    assert settings_bench.DATABASES["default"]["CONN_MAX_AGE"] == 60
    assert normal.DATABASES["default"] is not settings_bench.DATABASES["default"]
    assert "django.request" not in normal.LOGGING["loggers"]


def test_the_bench_settings_raise_the_api_throttle_far_above_what_wrk_sends():
    from config import settings as normal
    from config import settings_bench

    assert settings_bench.API_THROTTLE_RATE == "1000000/second"
    assert normal.API_THROTTLE_RATE != settings_bench.API_THROTTLE_RATE


def test_the_bench_settings_queue_background_work_instead_of_doing_it_in_the_request():
    from config import settings_bench

    assert settings_bench.CELERY_TASK_ALWAYS_EAGER is False
