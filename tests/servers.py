"""A real `ventanilla serve` in a subprocess, on a free port of 127.0.0.1, for the tests that
start the desk as `make run` does."""

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(folder: Path, *args: str, **env: str):
    """`ventanilla serve *args` with a fresh data folder in `folder` and `env` over this process's
    environment (without its database and Redis): (its URL, its log) once /healthz answers."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    environment.update(
        VENTANILLA_DATA_DIR=str(folder / "data"), PORT=str(port), HOST="127.0.0.1", **env
    )
    log = folder / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ventanilla", "serve", *args],
            env=environment,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=folder,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail("serve did not answer /healthz:\n" + log.read_text())
                time.sleep(0.2)
        yield base, log
    finally:
        process.terminate()
        process.wait(timeout=20)
