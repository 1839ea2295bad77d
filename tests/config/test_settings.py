"""Settings come from the environment with the names and defaults of docs/configuration.md."""

import json
import os
import subprocess
import sys

import pytest

PROBE = (
    "import json; from ventanilla.config import settings as s; print(json.dumps({"
    "'engine': s.DATABASES['default']['ENGINE'], 'db_options': {k: str(v) for k, v in "
    "s.DATABASES['default'].get('OPTIONS', {}).items()},"
    "'layer': s.CHANNEL_LAYERS['default']['BACKEND'], 'huey': s.HUEY['huey_class'],"
    "'cache': s.CACHES['default']['BACKEND'], 'session': s.SESSION_ENGINE,"
    "'cookie': [s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_AGE, s.SESSION_COOKIE_SECURE,"
    " s.SESSION_COOKIE_SAMESITE], 'tz': s.TIME_ZONE, 'lang': s.LANGUAGE_CODE,"
    "'region': s.PHONE_DEFAULT_REGION, 'auto_close': s.AUTO_CLOSE_MINUTES,"
    "'reopen_hours': s.REOPEN_WINDOW_HOURS,"
    "'interval': s.SCHEDULER_INTERVAL_SECONDS, 'public_url': s.PUBLIC_URL,"
    "'job_threads': s.HUEY['consumer']['workers'],"
    "'token_rate': [s.API_TOKEN_RATE_LIMIT, s.API_TOKEN_RATE_WINDOW_SECONDS],"
    "'audit_days': s.AUDIT_RETENTION_DAYS, 'two_factor': s.TWO_FACTOR_REQUIRED_FOR_ADMINS,"
    "'hosts': s.ALLOWED_HOSTS, 'prefix': s.REDIS_PREFIX, 'debug': s.DEBUG,"
    "'data_dir': str(s.DATA_DIR), 'webhooks': [s.WEBHOOKS_TIMEOUT_SECONDS,"
    " s.WEBHOOKS_RETRY_HOURS, s.WEBHOOKS_ALLOW_PRIVATE_TARGETS],"
    "'senders': [s.OUTBOX_SEND_THREADS, s.OUTBOX_SEND_BACKLOG]}))"
)


def _settings(tmp_path, dotenv: str = "", **env) -> dict:
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    clean.pop("VENTANILLA_DATA_DIR", None)
    clean.update(env)
    (tmp_path / ".env").write_text(dotenv)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=clean,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_defaults_are_the_embedded_mode(tmp_path):
    values = _settings(tmp_path)

    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["db_options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in values["db_options"]["init_command"]
    assert values["layer"] == "channels.layers.InMemoryChannelLayer"
    assert values["huey"] == "huey.SqliteHuey"
    assert values["session"] == "django.contrib.sessions.backends.db"
    assert values["cookie"] == ["ventanilla_session", 43200, True, "Lax"]
    assert values["tz"] == "America/Argentina/Buenos_Aires"
    assert values["lang"] == "es"
    assert values["region"] == "AR"
    assert values["auto_close"] == 30
    assert values["reopen_hours"] == 72
    assert values["interval"] == 60
    assert values["public_url"] == "http://127.0.0.1:8000"
    assert values["debug"] is False
    assert values["token_rate"] == [120, 60]
    assert values["audit_days"] == 365
    assert values["two_factor"] is False
    assert values["data_dir"] == str(tmp_path / "var")
    assert values["webhooks"] == [10, 24, False]  # private webhook targets refused
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_redis_url_switches_to_the_scaled_mode(tmp_path):
    values = _settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/5")

    assert values["layer"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert values["huey"] == "huey.RedisHuey"
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["session"] == "django.contrib.sessions.backends.cached_db"


def test_installations_sharing_a_redis_get_different_prefixes(tmp_path):
    one = _settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/5", DATABASE_URL="postgres://h/a")
    other = _settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/5", DATABASE_URL="postgres://h/b")
    chosen = _settings(tmp_path, REDIS_URL="redis://127.0.0.1:6379/5", REDIS_PREFIX="desk-1")

    assert one["prefix"] != other["prefix"]
    assert one["prefix"].startswith("ventanilla-")
    assert chosen["prefix"] == "desk-1"


@pytest.mark.parametrize(
    "url,engine",
    [
        ("postgres://u@127.0.0.1:5432/desk", "django.db.backends.postgresql"),
        ("mysql://root@127.0.0.1:3306/desk", "django.db.backends.mysql"),
    ],
)
def test_database_url_picks_the_engine(tmp_path, url, engine):
    assert _settings(tmp_path, DATABASE_URL=url)["engine"] == engine


@pytest.mark.parametrize("threshold,expected", [(None, "5"), ("2", "2"), ("0", "None")])
def test_postgres_prepares_repeated_statements_unless_told_not_to(tmp_path, threshold, expected):
    env = {"DATABASE_URL": "postgres://u@127.0.0.1:5432/desk"}
    if threshold is not None:
        env["DATABASE_PREPARE_THRESHOLD"] = threshold

    options = _settings(tmp_path, **env)["db_options"]

    assert options["prepare_threshold"] == expected
    assert options["server_side_binding"] == "True"


def test_dotenv_is_read_and_the_environment_wins(tmp_path):
    values = _settings(
        tmp_path,
        dotenv="AUTO_CLOSE_MINUTES=2.5\nTIME_ZONE=UTC\nDEBUG=true\n",
        TIME_ZONE="Europe/Madrid",
        PORT="9000",
        SCHEDULER_INTERVAL_SECONDS="0.5",
        JOB_THREADS="16",
    )

    assert values["auto_close"] == 2.5
    assert values["tz"] == "Europe/Madrid"
    assert values["debug"] is True
    assert values["cookie"][2] is False  # not Secure when DEBUG
    assert values["public_url"] == "http://127.0.0.1:9000"
    assert values["interval"] == 0.5
    assert values["job_threads"] == 16


def test_lists_are_comma_separated(tmp_path):
    values = _settings(tmp_path, ALLOWED_HOSTS="desk.example.com, 10.0.0.5")

    assert values["hosts"] == ["desk.example.com", "10.0.0.5"]


def test_finding_11_the_data_dir_and_every_file_in_it_are_private(tmp_path):
    # given a fresh data folder, and the `ventanilla` command started with the usual umask (022)
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.pop("SECRET_KEY", None)
    env["VENTANILLA_DATA_DIR"] = str(data)
    store_media = (
        "from django.core.files.base import ContentFile;"
        "from django.core.files.storage import default_storage;"
        "default_storage.save('media/2026/05/foto.jpg', ContentFile(b'jpeg'))"
    )
    # when it migrates, prepares the desk and stores a customer's picture
    for command in (["migrate"], ["prepare"], ["shell", "-c", store_media]):
        subprocess.run(
            [sys.executable, "-m", "ventanilla", *command],
            env=env,
            cwd=tmp_path,
            umask=0o022,
            capture_output=True,
            check=True,
        )
    # then the folder and every folder in it are 0700, and every file 0600
    paths = [data, *data.rglob("*")]
    modes = {str(path.relative_to(data)): oct(path.stat().st_mode & 0o777) for path in paths}
    assert {"ventanilla.sqlite3", "jobs.sqlite3", "secret_key", "media/media/2026/05/foto.jpg"} <= (
        modes.keys()
    )
    assert modes == {
        str(path.relative_to(data)): oct(0o700 if path.is_dir() else 0o600) for path in paths
    }


def test_the_token_rate_limit_and_the_audit_retention_are_settings(tmp_path):
    values = _settings(
        tmp_path,
        API_TOKEN_RATE_LIMIT="30",
        API_TOKEN_RATE_WINDOW_SECONDS="10",
        AUDIT_RETENTION_DAYS="90",
        TWO_FACTOR_REQUIRED_FOR_ADMINS="true",
    )

    assert values["token_rate"] == [30, 10]
    assert values["audit_days"] == 90
    assert values["two_factor"] is True


def test_webhook_settings_come_from_the_environment(tmp_path):
    values = _settings(
        tmp_path,
        WEBHOOKS_TIMEOUT_SECONDS="2.5",
        WEBHOOKS_RETRY_HOURS="48",
        WEBHOOKS_ALLOW_PRIVATE_TARGETS="true",
    )

    assert values["webhooks"] == [2.5, 48, True]


def test_the_follow_up_window_comes_from_the_environment(tmp_path):
    assert _settings(tmp_path, REOPEN_WINDOW_HOURS="24")["reopen_hours"] == 24


def test_the_sender_threads_come_from_the_environment(tmp_path):
    assert _settings(tmp_path)["senders"] == [16, 1000]
    tuned = _settings(tmp_path, OUTBOX_SEND_THREADS="0", OUTBOX_SEND_BACKLOG="50")
    assert tuned["senders"] == [0, 50]
