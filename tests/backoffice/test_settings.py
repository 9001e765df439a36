"""Deployment-relevant settings: the background queue, Japanese defaults, production."""

import os
import subprocess
import sys
from pathlib import Path

from backoffice.settings.base import q_cluster_config

ROOT = Path(__file__).resolve().parents[2]


def test_queue_uses_the_database_when_no_redis_is_configured():
    config = q_cluster_config({})
    assert config["orm"] == "default"
    assert "redis" not in config
    assert config["retry"] > config["timeout"]


def test_queue_uses_redis_when_redis_url_is_set():
    config = q_cluster_config({"REDIS_URL": "redis://127.0.0.1:6379/2", "Q_WORKERS": "6"})
    assert config["redis"] == "redis://127.0.0.1:6379/2"
    assert "orm" not in config
    assert config["workers"] == 6


def test_tests_run_background_tasks_synchronously(settings):
    assert settings.Q_CLUSTER["sync"] is True


def test_japanese_is_the_default_and_english_can_be_chosen(settings):
    assert settings.LANGUAGE_CODE == "ja"
    assert settings.TIME_ZONE == "Asia/Tokyo"
    assert dict(settings.WAGTAILADMIN_PERMITTED_LANGUAGES) == {"ja": "日本語", "en": "English"}


def _production_check(extra_env):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"}
    }
    env.update(DJANGO_SETTINGS_MODULE="backoffice.settings.production", **extra_env)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_real_secret():
    result = _production_check({"DJANGO_ALLOWED_HOSTS": "backoffice.city.example.jp"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = _production_check(
        {
            "DJANGO_SECRET_KEY": "k" * 20 + "A7#q" + "z" * 40,
            "DJANGO_ALLOWED_HOSTS": "backoffice.city.example.jp",
        }
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
