"""What `ventanilla serve`, `web` and `worker` start."""

import logging
import threading
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections

from ventanilla.accounts import services
from ventanilla.conversations import tasks as conversation_tasks
from ventanilla.core import addresses
from ventanilla.integrations import tasks as integration_tasks
from ventanilla.providers.models import Provider
from ventanilla.providers.services import line_sandbox, line_sync_default_from_settings
from ventanilla.routing import tasks as routing_tasks
from ventanilla.runtime import demo
from ventanilla.schedules import tasks as schedule_tasks

log = logging.getLogger(__name__)

# Enqueued every SCHEDULER_INTERVAL_SECONDS; each must be harmless when runs overlap.
PERIODIC_JOBS = [
    conversation_tasks.sweep_outbox,
    routing_tasks.drain,
    schedule_tasks.auto_close,
    integration_tasks.sweep_webhooks,
]


def _password_file() -> Path:
    return Path(settings.DATA_DIR) / "initial_admin_password"


def prepare_desk(*, demo_data: bool = False) -> str:
    """Creates the first admin (and demo data on an empty desk); returns what to tell people."""
    lines = []
    line = line_sync_default_from_settings()
    lines.append(f"WhatsApp line: {line.get_provider_display()} (#{line.pk})")
    if settings.SANDBOX_ENABLED and line.provider != Provider.SANDBOX:
        lines.append(f"Sandbox line beside it: #{line_sandbox().pk} (admins only)")
    if demo_data and demo.desk_is_empty():
        demo.load()
        lines.append("Demo data loaded: areas Soporte and Ventas, one agent per area.")
    admin, generated = services.ensure_first_admin(
        username=settings.VENTANILLA_ADMIN_USERNAME,
        password=settings.VENTANILLA_ADMIN_PASSWORD,
    )
    password_file = _password_file()
    if generated:
        password_file.parent.mkdir(parents=True, exist_ok=True)
        password_file.write_text(generated)
        password_file.chmod(0o600)
    if password_file.exists() and admin.check_password(password_file.read_text().strip()):
        password = password_file.read_text().strip()
        lines.append(f"Admin sign-in: username {admin.username!r}, password {password!r}")
        lines.append(f"(kept in {password_file} until you change the password)")
    elif settings.VENTANILLA_ADMIN_PASSWORD and admin.check_password(
        settings.VENTANILLA_ADMIN_PASSWORD
    ):
        lines.append(f"Admin sign-in: username {admin.username!r}, password from the environment")
    else:
        lines.append(f"Admin: {admin.username!r} (password already changed)")
    return "\n".join(lines) + "\n"


def start_embedded_jobs():
    """Huey's consumer with its scheduler on threads inside this process (embedded mode)."""
    from huey.contrib.djhuey import HUEY

    options = dict(settings.HUEY.get("consumer", {}))
    consumer = HUEY.create_consumer(
        workers=settings.JOB_THREADS,
        worker_type="thread",
        periodic=True,
        max_delay=options.get("max_delay", 0.2),
        check_worker_health=False,
    )
    consumer.start()
    return consumer


def run_asgi_server(workers: int = 1) -> None:
    import uvicorn

    # uvicorn rewrites the client's address and scheme from the forwarded headers of the peers it
    # trusts (by default 127.0.0.1, where a forged X-Forwarded-For would pass): only these
    proxies = [str(network) for network in addresses.trusted_proxies()]
    uvicorn.run(
        "ventanilla.config.asgi:application",
        host=settings.HOST,
        port=settings.PORT,
        workers=workers,
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies,
        log_level="info",
        access_log=settings.ACCESS_LOG,
        lifespan="off",
    )


def start_scheduler_ticker() -> threading.Event:
    """Enqueues the periodic jobs every SCHEDULER_INTERVAL_SECONDS (Huey's own periodic tasks
    only run at minute boundaries, and the interval may be a fraction of a second)."""
    stop = threading.Event()
    interval = max(0.05, float(settings.SCHEDULER_INTERVAL_SECONDS))

    def tick():
        while not stop.wait(interval):
            for job in PERIODIC_JOBS:
                try:
                    job()
                except Exception:  # the next tick tries again
                    log.exception("could not enqueue %s", job.task_class.__name__)

    threading.Thread(target=tick, name="ventanilla-ticker", daemon=True).start()
    return stop


def reconnect_lines() -> None:
    """Lines that were connected before a restart are started again (WPPConnect sessions), and
    the Cloud API lines' message templates are read again (a job), on a thread of their own: a
    provider that is down must not hold up serving."""
    from ventanilla.providers.sessions import reconnect_lines as reconnect
    from ventanilla.providers.tasks import sync_templates

    def run():
        try:
            sync_templates()
        except Exception:  # the queue is down: the hourly sync catches up
            log.exception("could not queue the templates' sync")
        try:
            started = reconnect()
        except Exception:  # the desk serves even when a provider is down; the dashboard shows it
            log.exception("could not reconnect the WhatsApp lines")
            return
        finally:
            close_old_connections()
        if started:
            log.info("reconnecting lines %s", started)

    threading.Thread(target=run, name="ventanilla-reconnect", daemon=True).start()
