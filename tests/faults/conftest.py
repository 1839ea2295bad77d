"""Fixtures of the fault-injection suite: real desk processes behind proxies the test owns.

PostgreSQL (127.0.0.1:5432, user postgres, trust) and Redis (127.0.0.1:6379) must be running: if
either cannot be reached the scenarios fail, they are not skipped. Each scenario gets its own
database (created, then dropped), Redis key prefix (its keys deleted afterwards), data folder,
ports and fake Graph; every process, proxy and thread is stopped in teardown whatever happened.
Run them alone with `uv run pytest tests/faults -m faults`, or leave them out with
`-m "not faults"`.
"""

import contextlib
import itertools
import logging
import os
import sqlite3

import pytest

from tests.faults import desk
from tests.faults.graph import FakeGraph
from tests.faults.harness import Scenario
from tests.faults.outcome import DatabaseReader
from tests.faults.proxy import TcpProxy

POSTGRES_PORT = 5432
REDIS_PORT = 6379
GRAPH_LATENCY = 0.02  # seconds the fake Graph takes per request

_prefixes = itertools.count(1)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "faults: fault-injection scenarios against real desk processes (slow)"
    )
    config.addinivalue_line(
        "markers", "desk_environment(**variables): settings of the scenario's desk processes"
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)  # fixtures print the logs on failure
    return report


def _failed(request) -> bool:
    return any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )


@pytest.fixture(autouse=True)
def _quiet_http_client_logs():
    """httpx logs every request at INFO: thousands of lines per scenario under -s."""
    logger = logging.getLogger("httpx")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@pytest.fixture(scope="session")
def services_up():
    """PostgreSQL and Redis answer on 127.0.0.1; else every scenario fails, saying which."""
    import psycopg
    import redis

    try:
        psycopg.connect(
            host="127.0.0.1",
            port=POSTGRES_PORT,
            user="postgres",
            dbname="postgres",
            connect_timeout=5,
        ).close()
    except Exception as error:
        pytest.fail(
            f"PostgreSQL is not reachable on 127.0.0.1:{POSTGRES_PORT} as user postgres "
            f"(trust auth) ({error}). The fault scenarios need it running.",
            pytrace=False,
        )
    try:
        redis.Redis(host="127.0.0.1", port=REDIS_PORT, socket_timeout=5).ping()
    except Exception as error:
        pytest.fail(
            f"Redis is not reachable on 127.0.0.1:{REDIS_PORT} ({error}). The fault scenarios "
            "need it running.",
            pytrace=False,
        )


def _delete_redis_keys(prefix: str) -> None:
    import redis

    client = redis.Redis(host="127.0.0.1", port=REDIS_PORT, socket_timeout=5)
    try:
        keys = list(client.scan_iter(match=f"*{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def _print_logs(processes, folder) -> None:
    for process in processes:
        print(f"\n--- last lines of {process.log}\n{process.tail()}")
    setup = folder / "setup.log"
    if setup.exists():
        print(f"\n--- {setup}\n{setup.read_text(errors='replace')[-3000:]}")


def _graph() -> FakeGraph:
    return FakeGraph(
        phone_number_id=desk.PHONE_NUMBER_ID,
        access_token=desk.ACCESS_TOKEN,
        app_secret=desk.APP_SECRET,
        latency=GRAPH_LATENCY,
    )


@pytest.fixture(scope="session")
def bootstrapped_postgres(services_up, tmp_path_factory):
    """A PostgreSQL desk bootstrapped once (`desk.bootstrap`: migrated, demo data, the line),
    which each scaled scenario copies: what an operator runs once is the same in every one
    (the line's Graph address is a setting, not stored)."""
    folder = tmp_path_factory.mktemp("bootstrapped")
    database = desk.PostgresDatabase(POSTGRES_PORT)
    database.create()
    try:
        env = desk.base_environment(folder / "data", "http://127.0.0.1:9")
        env["DATABASE_URL"] = database.url(POSTGRES_PORT)
        desk.bootstrap(env, folder)
        yield database
    finally:
        database.drop()


@pytest.fixture
def scaled_desk(bootstrapped_postgres, tmp_path, request):
    """Two `ventanilla web` and one `ventanilla worker` on a fresh PostgreSQL database, with
    PostgreSQL and Redis reached through proxies the test can cut, and the fake Graph."""
    folder = tmp_path
    processes: list[desk.DeskProcess] = []
    with contextlib.ExitStack() as cleanup:
        database = desk.PostgresDatabase(POSTGRES_PORT)
        database.create(template=bootstrapped_postgres)
        cleanup.callback(database.drop)
        prefix = f"ventanilla-faults-{os.getpid()}-{next(_prefixes)}"
        cleanup.callback(_delete_redis_keys, prefix)
        postgres_proxy = TcpProxy("postgres", POSTGRES_PORT).start()
        cleanup.callback(postgres_proxy.stop)
        redis_proxy = TcpProxy("redis", REDIS_PORT).start()
        cleanup.callback(redis_proxy.stop)
        graph = _graph().start()
        cleanup.callback(graph.stop)
        reader = DatabaseReader(database.connect)
        cleanup.callback(reader.close)

        env = desk.base_environment(folder / "data", graph.url)
        ports = [desk.free_port(), desk.free_port()]
        env.update(
            DATABASE_URL=database.url(postgres_proxy.port),
            REDIS_URL=f"redis://127.0.0.1:{redis_proxy.port}/0",
            REDIS_PREFIX=prefix,
            WEB_CONCURRENCY="1",
            PUBLIC_URL=f"http://127.0.0.1:{ports[0]}",
        )
        if marker := request.node.get_closest_marker("desk_environment"):
            env.update(marker.kwargs)

        def stop_processes():
            if _failed(request):
                _print_logs(processes, folder)
            for process in processes:
                process.stop()

        cleanup.callback(stop_processes)
        webs = [
            desk.DeskProcess(f"web{n}", ["web"], env, folder, port)
            for n, port in enumerate(ports, start=1)
        ]
        worker = desk.DeskProcess("worker", ["worker"], env, folder, None)
        processes += [*webs, worker]
        for process in processes:
            process.start()
        for process in processes:
            process.wait_ready()
        graph.deliver_statuses_to([web.url for web in webs])
        scenario = Scenario(
            name=request.node.name,
            graph=graph,
            reader=reader,
            webs=webs,
            worker=worker,
            postgres_proxy=postgres_proxy,
            redis_proxy=redis_proxy,
            processes=processes,
        )
        try:
            yield scenario
        finally:
            if scenario.burst is not None:
                scenario.burst.stop()


@pytest.fixture
def embedded_desk(tmp_path, request):
    """One `ventanilla serve` (web, jobs and scheduler in one process) on its SQLite file."""
    folder = tmp_path
    processes: list[desk.DeskProcess] = []
    with contextlib.ExitStack() as cleanup:
        graph = _graph().start()
        cleanup.callback(graph.stop)
        data = folder / "data"
        port = desk.free_port()
        env = desk.base_environment(data, graph.url)
        env.update(PORT=str(port), PUBLIC_URL=f"http://127.0.0.1:{port}")

        def connect():
            connection = sqlite3.connect(data / "ventanilla.sqlite3", timeout=10)
            connection.isolation_level = None  # autocommit: each read sees the latest commit
            return connection

        reader = DatabaseReader(connect)
        cleanup.callback(reader.close)

        def stop_processes():
            if _failed(request):
                _print_logs(processes, folder)
            for process in processes:
                process.stop()

        cleanup.callback(stop_processes)
        desk.bootstrap(env, folder)
        serve = desk.DeskProcess("serve", ["serve"], env, folder, port)
        processes.append(serve)
        serve.start()
        serve.wait_ready()
        graph.deliver_statuses_to([serve.url])
        scenario = Scenario(
            name=request.node.name, graph=graph, reader=reader, webs=[serve], processes=processes
        )
        try:
            yield scenario
        finally:
            if scenario.burst is not None:
                scenario.burst.stop()
