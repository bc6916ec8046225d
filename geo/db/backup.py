"""Backups with PostgreSQL's own tools: ``pg_dump`` (custom format) and ``pg_restore``.

A restore replaces the whole content of the target database in one transaction: either
the backup is fully restored or the database is left as it was.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from geo.errors import DatabaseError, InvalidFile


def _tool(name: str, bindir: str | None) -> str:
    if bindir and (Path(bindir) / name).exists():
        return str(Path(bindir) / name)
    found = shutil.which(name)
    if not found:
        raise DatabaseError(
            f"找不到 {name}，请安装 postgresql-client",
            f"{name} not found: install postgresql-client",
        )
    return found


def backup(url: str, out: Path, *, bindir: str | None = None) -> int:
    """Dump the database to ``out`` (custom format). Returns the file size in bytes."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    proc = subprocess.run(
        [
            _tool("pg_dump", bindir),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={tmp}",
            f"--dbname={url}",
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise DatabaseError(
            f"备份失败：{proc.stderr.strip()}", f"backup failed: {proc.stderr.strip()}"
        )
    tmp.replace(out)  # a finished backup appears only when complete
    return out.stat().st_size


def restore(url: str, source: Path, *, bindir: str | None = None) -> None:
    """Replace the database's content with the backup in ``source``, atomically."""
    source = Path(source)
    if not source.is_file():
        raise InvalidFile(f"备份文件不存在：{source}", f"backup file not found: {source}")
    check = subprocess.run(
        [_tool("pg_restore", bindir), "--list", str(source)], capture_output=True, text=True
    )
    if check.returncode != 0:
        raise InvalidFile(
            f"{source.name} 不是 yizhan db backup 生成的备份文件",
            f"{source.name} is not a backup made by `yizhan db backup`",
        )
    proc = subprocess.run(
        [
            _tool("pg_restore", bindir),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={url}",
            str(source),
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise DatabaseError(
            f"恢复失败，数据库保持原样：{proc.stderr.strip()}",
            f"restore failed, the database is unchanged: {proc.stderr.strip()}",
        )
