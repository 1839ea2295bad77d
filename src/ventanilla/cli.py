"""The `ventanilla` command: Django's management commands plus serve, web and worker."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    # the data folder holds the database, sessions and access tokens: what this process and its
    # workers create (folders, SQLite files and their WAL, media) is for this user alone
    os.umask(0o077)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ventanilla.config.settings")
    argv = list(sys.argv if argv is None else argv)
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
