"""The managed local PostgreSQL + PostGIS cluster (the embedded default).

``yizhan db up`` creates a cluster in ``$YIZHAN_HOME/pgdata`` on first use, starts it on
127.0.0.1 only (TCP, password authentication, no Unix socket) and creates the database with
the PostGIS and pgRouting extensions. PostgreSQL refuses to run as root, so when the caller
is root the cluster belongs to a system account (``YIZHAN_DB_OS_USER``, created on demand)
and every server command runs as that account through ``runuser``.

The cluster's port and password are chosen once, when it is created, and kept in
``$YIZHAN_HOME/cluster.json``; later commands read them from there.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from geo.errors import DatabaseError
from geo.settings import DatabaseSettings

_PG_HINT_ZH = (
    "请先运行 make setup（或 apt-get install postgresql-15-postgis-3 postgresql-15-pgrouting）"
)
_PG_HINT_EN = (
    "run `make setup` (or apt-get install postgresql-15-postgis-3 postgresql-15-pgrouting)"
)


@dataclass
class ClusterInfo:
    """What is recorded about a managed cluster in ``cluster.json``."""

    data_dir: str
    port: int
    user: str
    password: str
    dbname: str
    bindir: str

    def url(self, dbname: str | None = None) -> str:
        """A connection URL for ``dbname`` (default: the project database) on localhost."""
        return (
            f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/"
            f"{dbname or self.dbname}"
        )


def find_bindir() -> Path:
    """The directory with PostgreSQL's server programs (initdb, pg_ctl), newest version."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
        reverse=True,
    )
    if candidates:
        return candidates[0].parent
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise DatabaseError(
        f"找不到 PostgreSQL 服务器程序（pg_ctl）。{_PG_HINT_ZH}",
        f"PostgreSQL server programs (pg_ctl) not found: {_PG_HINT_EN}",
    )


def _is_root() -> bool:
    return os.geteuid() == 0


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _pick_port(preferred: int) -> int:
    for port in range(preferred, preferred + 200):
        if _port_free(port):
            return port
    raise DatabaseError(
        f"端口 {preferred}–{preferred + 199} 均被占用，请设置 YIZHAN_DB_PORT",
        f"ports {preferred}-{preferred + 199} are all in use: set YIZHAN_DB_PORT",
    )


class ManagedCluster:
    """A project-local PostgreSQL cluster that Yizhan creates, starts and stops."""

    def __init__(self, settings: DatabaseSettings) -> None:
        self.settings = settings
        self.home = Path(settings.home)
        self.info_path = self.home / "cluster.json"

    # -- running commands as the right account ---------------------------------------
    def _os_user(self) -> str | None:
        return self.settings.db_os_user if _is_root() else None

    def _ensure_os_user(self) -> None:
        user = self._os_user()
        if user is None:
            return
        if subprocess.run(["id", "-u", user], capture_output=True).returncode == 0:
            return
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user],
            check=True,
            capture_output=True,
        )

    def _run(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        user = self._os_user()
        cmd = ["runuser", "-u", user, "--", *args] if user else args
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
        if check and proc.returncode != 0:
            raise DatabaseError(
                f"数据库命令失败：{' '.join(args[:2])}\n{proc.stderr.strip()}",
                f"database command failed: {' '.join(args[:2])}\n{proc.stderr.strip()}",
            )
        return proc

    def _reachable_by_os_user(self, path: Path) -> bool:
        user = self._os_user()
        if user is None:
            return True
        probe = path
        while not probe.exists():
            probe = probe.parent
        return self._run(["test", "-x", str(probe)], check=False).returncode == 0

    def _choose_data_dir(self) -> Path:
        wanted = self.home / "pgdata"
        if self._reachable_by_os_user(wanted.parent):
            return wanted
        # The project lives somewhere the service account cannot enter (e.g. under /root):
        # keep the data in a system location tied to this project's home.
        digest = hashlib.sha1(str(self.home).encode()).hexdigest()[:12]
        return Path("/var/lib/yizhan") / digest / "pgdata"

    # -- state --------------------------------------------------------------------------
    def info(self) -> ClusterInfo | None:
        """What ``cluster.json`` records, or None before the cluster is made."""
        if not self.info_path.exists():
            return None
        return ClusterInfo(**json.loads(self.info_path.read_text()))

    def exists(self) -> bool:
        """Whether the cluster's data directory has been initialised."""
        info = self.info()
        return info is not None and (Path(info.data_dir) / "PG_VERSION").exists()

    def is_running(self) -> bool:
        """Whether the cluster's server is running (``pg_ctl status``)."""
        info = self.info()
        if info is None:
            return False
        proc = self._run([f"{info.bindir}/pg_ctl", "status", "-D", info.data_dir], check=False)
        return proc.returncode == 0

    # -- lifecycle ----------------------------------------------------------------------
    def init(self) -> ClusterInfo:
        """Create the cluster (once)."""
        if self.exists():
            info = self.info()
            assert info is not None
            return info
        bindir = find_bindir()
        self._ensure_os_user()
        self.home.mkdir(parents=True, exist_ok=True)
        data_dir = self._choose_data_dir()
        if data_dir.exists() and any(data_dir.iterdir()):
            shutil.rmtree(data_dir)  # a half-created cluster from an interrupted init
        data_dir.mkdir(parents=True, exist_ok=True)
        user = self._os_user()
        if user:
            shutil.chown(data_dir, user, user)
            os.chmod(data_dir, 0o700)
        info = ClusterInfo(
            data_dir=str(data_dir),
            port=_pick_port(self.settings.db_port),
            user=self.settings.db_user,
            password=secrets.token_urlsafe(18),
            dbname=self.settings.db_name,
            bindir=str(bindir),
        )
        with tempfile.NamedTemporaryFile("w", delete=False, dir="/tmp") as pw:
            pw.write(info.password + "\n")
        try:
            if user:
                shutil.chown(pw.name, user, user)
            self._run(
                [
                    f"{bindir}/initdb",
                    "-D",
                    str(data_dir),
                    "-U",
                    info.user,
                    f"--pwfile={pw.name}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=peer",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                    "--no-instructions",
                ]
            )
        finally:
            os.unlink(pw.name)
        conf = Path(data_dir) / "postgresql.auto.conf"
        settings_text = (
            f"port = {info.port}\n"
            "listen_addresses = '127.0.0.1'\n"
            "unix_socket_directories = ''\n"
            "max_connections = 200\n"
            "shared_buffers = '256MB'\n"
            "fsync = on\n"
        )
        self._run(["sh", "-c", f"cat >> '{conf}' <<'EOF'\n{settings_text}EOF"])
        self.info_path.write_text(json.dumps(asdict(info), indent=2))
        os.chmod(self.info_path, 0o600)
        return info

    def start(self) -> ClusterInfo:
        """Make the cluster if needed, start it and make sure its database exists."""
        info = self.init()
        if not self.is_running():
            log = Path(info.data_dir) / "server.log"
            self._run(
                [
                    f"{info.bindir}/pg_ctl",
                    "start",
                    "-D",
                    info.data_dir,
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    "60",
                ]
            )
        self._ensure_database(info, info.dbname)
        return info

    def stop(self) -> bool:
        """Stop the cluster's server; whether it was running."""
        info = self.info()
        if info is None or not self.is_running():
            return False
        self._run([f"{info.bindir}/pg_ctl", "stop", "-D", info.data_dir, "-m", "fast", "-w"])
        return True

    def _ensure_database(self, info: ClusterInfo, dbname: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(info.url("postgres"), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
