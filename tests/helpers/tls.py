"""A throwaway certificate authority and server certificate, made with the ``openssl``
command exactly as docs/deploy.md tells an intranet's administrator to make them."""

from __future__ import annotations

import base64
import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

HOST = "yizhan.test"  # a name that is not localhost: only https makes it a secure context


@dataclass(frozen=True)
class Pki:
    """The CA's certificate, and the server's certificate (signed by it) and key."""

    ca_cert: Path
    cert: Path
    key: Path

    def spki_sha256(self) -> str:
        """Base64 SHA-256 of the server key's SubjectPublicKeyInfo: what Chromium's
        ``--ignore-certificate-errors-spki-list`` takes to trust this certificate."""
        pubkey = subprocess.run(
            ["openssl", "x509", "-in", str(self.cert), "-pubkey", "-noout"],
            capture_output=True,
            check=True,
        ).stdout
        spki_der = subprocess.run(
            ["openssl", "pkey", "-pubin", "-outform", "DER"],
            input=pubkey,
            capture_output=True,
            check=True,
        ).stdout
        return base64.b64encode(hashlib.sha256(spki_der).digest()).decode()


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_pki(
    folder: Path, names: tuple[str, ...] = (HOST, "localhost"), ip: str = "127.0.0.1"
) -> Pki:
    """A CA (``ca.pem``) and a server certificate for ``names`` and ``ip``
    (``server.pem``, ``server.key``) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
        "-keyout", "ca.key", "-out", "ca.pem", "-subj", "/CN=Yizhan test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", f"/CN={names[0]}",
        cwd=folder,
    )  # fmt: skip
    alt = ",".join([*(f"DNS:{n}" for n in names), f"IP:{ip}"])
    (folder / "server.ext").write_text(
        f"subjectAltName={alt}\n"
        "basicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
    )
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "30", "-out", "server.pem", "-extfile", "server.ext",
        cwd=folder,
    )  # fmt: skip
    return Pki(folder / "ca.pem", folder / "server.pem", folder / "server.key")
