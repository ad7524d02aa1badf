"""A real PostgreSQL server for the tests: a cluster in a temp folder, on a free loopback port,
run as a non-root user (``postgres`` where Debian's package made one, else ``nobody``).

The owner role ``wb_owner`` creates hubs; ``wb_push`` may only write rows and ``wb_read`` only
read them (granted by ``workbench hub init``), as the README's least-privilege setup says.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PASSWORDS = {"wb_owner": "owner-pw-1", "wb_push": "push-pw-2", "wb_read": "read-pw-3"}


def pg_bin(name: str) -> str | None:
    """The newest installed PostgreSQL's ``name`` (initdb, pg_ctl), else one on PATH."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version)
    return found[-1] if found else shutil.which(name)


def _version(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    """``start()`` a cluster; ``url(role, db)`` a connection URL; ``stop()`` it."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="wb-pg-"))
        self.port = _free_port()
        self.user: str | None = None
        self.databases = 0

    def _run(self, argv: list[str]) -> None:
        if self.user:
            argv = ["runuser", "-u", self.user, "--", *argv]
        subprocess.run(argv, check=True, capture_output=True, timeout=120)

    def start(self) -> PgServer:
        initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
        if not initdb or not pg_ctl:
            raise RuntimeError(
                "PostgreSQL is not installed (initdb, pg_ctl): `apt-get install postgresql` "
                "(.ci/run does)"
            )
        if os.getuid() == 0:  # the server refuses to run as root
            self.user = "postgres" if _has_user("postgres") else "nobody"
            uid = pwd.getpwnam(self.user).pw_uid
            os.chown(self.dir, uid, -1)
            self.dir.chmod(0o700)
        pwfile = self.dir / "pw"
        pwfile.write_text(PASSWORDS["wb_owner"] + "\n")
        if self.user:
            os.chown(pwfile, pwd.getpwnam(self.user).pw_uid, -1)
        data = self.dir / "data"
        self._run(
            [initdb, "-D", str(data), "-U", "wb_owner", "--pwfile", str(pwfile), "-A",
             "scram-sha-256", "-E", "UTF8", "--no-locale"]
        )  # fmt: skip
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run([pg_ctl, "-D", str(data), "-o", options, "-l", str(self.dir / "log"), "-w",
                   "start"])  # fmt: skip
        import psycopg

        with psycopg.connect(self.url("wb_owner", "postgres"), autocommit=True) as con:
            for role in ("wb_push", "wb_read"):
                con.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORDS[role]}'")
        return self

    def url(self, role: str = "wb_owner", db: str = "postgres") -> str:
        return f"postgresql://{role}:{PASSWORDS[role]}@127.0.0.1:{self.port}/{db}"

    def new_database(self) -> str:
        """A fresh empty database owned by wb_owner; its name."""
        import psycopg

        self.databases += 1
        name = f"hub{self.databases}"
        with psycopg.connect(self.url("wb_owner", "postgres"), autocommit=True) as con:
            con.execute(f"CREATE DATABASE {name}")
            con.execute(f"REVOKE ALL ON DATABASE {name} FROM PUBLIC")
            con.execute(f"GRANT CONNECT ON DATABASE {name} TO wb_push, wb_read")
        return name

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self._run([pg_bin("pg_ctl") or "pg_ctl", "-D", str(self.dir / "data"), "-m", "fast",
                       "-w", "stop"])  # fmt: skip
        shutil.rmtree(self.dir, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
