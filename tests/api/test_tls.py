"""HTTPS for phones (#13): browsers give geolocation only to a secure context, so on
``http://HOST:8000/`` the map page says 无法获取您的位置. ``yizhan serve --certfile
--keyfile`` (or ``YIZHAN_TLS_CERTFILE``/``YIZHAN_TLS_KEYFILE``) serves HTTPS; a mistake in
the files stops the command with a sentence naming them.

The certificates are made in the test with ``openssl``, as docs/deploy.md tells an
intranet's administrator: an own CA and a server certificate with subjectAltName.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.helpers.browser import ARGS, ARTIFACTS, CHROMIUM
from tests.helpers.cli import yizhan
from tests.helpers.live import yizhan_serve
from tests.helpers.nearest_city import Q, add_station, ll, load_network
from tests.helpers.tls import HOST, Pki, make_pki


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Pki:
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def trusting(pki) -> ssl.SSLContext:
    """A client context that trusts the test CA (and nothing else)."""
    return ssl.create_default_context(cafile=str(pki.ca_cert))


@pytest.fixture(scope="module")
def https_port(database_url, pki, trusting) -> Iterator[int]:
    """``yizhan serve`` with HTTPS from the settings (no options) and HSTS asked for; no
    base map."""
    with yizhan_serve(
        database_url,
        scheme="https",
        verify=trusting,
        YIZHAN_TLS_CERTFILE=str(pki.cert),
        YIZHAN_TLS_KEYFILE=str(pki.key),
        YIZHAN_BASEMAP="none",
        YIZHAN_HSTS_MAX_AGE_S="600",
    ) as (port, _):
        yield port


def test_serve_with_certfile_and_keyfile_answers_over_https_with_workers(
    database_url, pki, trusting
) -> None:
    options = ["--certfile", str(pki.cert), "--keyfile", str(pki.key), "--workers", "2"]
    with yizhan_serve(database_url, *options, scheme="https", verify=trusting) as (port, _):
        base = f"https://127.0.0.1:{port}"
        with httpx.Client(verify=trusting, timeout=10) as client:
            for _ in range(4):  # whichever worker answers
                page = client.get(base + "/")
                assert page.status_code == 200 and "驿站" in page.text
            assert page.url.scheme == "https"
            # HSTS is off unless a setting asks for it (intranets: see docs/deploy.md).
            assert "strict-transport-security" not in page.headers
            assert client.get(base + "/api/v1/summary").status_code == 200
        # The certificate is the test CA's, not one the system trusts.
        with pytest.raises(httpx.ConnectError), httpx.Client(timeout=10) as untrusting:
            untrusting.get(base + "/")


def test_serve_takes_the_certificate_and_hsts_from_the_settings(https_port, trusting) -> None:
    with httpx.Client(verify=trusting, timeout=10) as client:
        page = client.get(f"https://localhost:{https_port}/")
    assert page.status_code == 200 and "驿站" in page.text
    assert page.headers["strict-transport-security"] == "max-age=600"


# -- mistakes stop the command before it listens ---------------------------------------


def serve(database_url: str, *args: str, env: dict[str, str] | None = None):
    """``yizhan serve ARGS`` on a port that is taken: a command that (wrongly) went on
    to serve fails at once with uvicorn's exit status 1 instead of serving for ever."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        return yizhan(
            "serve", "--host", "127.0.0.1", "--port", port, *args, url=database_url, env=env
        )


def _refused(result, *texts: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Yizhan 驿站:" not in result.stdout  # it never started serving
    said = " ".join(result.stderr.split())  # the console wraps long lines at spaces
    for text in texts:
        assert text in said, result.stderr


def test_serve_refuses_certfile_without_keyfile(database_url, pki) -> None:
    result = serve(database_url, "--certfile", str(pki.cert))
    _refused(result, "缺少 --keyfile", "HTTPS needs both a certificate and its key")
    result = serve(database_url, "--keyfile", str(pki.key))
    _refused(result, "缺少 --certfile", "--keyfile was given without --certfile")


def test_serve_refuses_one_tls_setting_without_the_other(database_url, pki) -> None:
    result = serve(database_url, env={"YIZHAN_TLS_CERTFILE": str(pki.cert)})
    _refused(result, "缺少 YIZHAN_TLS_KEYFILE", "YIZHAN_TLS_CERTFILE was given without")
    result = serve(database_url, env={"YIZHAN_TLS_KEYFILE": str(pki.key)})
    _refused(result, "缺少 YIZHAN_TLS_CERTFILE", "YIZHAN_TLS_KEYFILE was given without")


def test_serve_names_a_missing_certificate_file(database_url, pki, tmp_path) -> None:
    missing = tmp_path / "no-such-cert.pem"
    result = serve(database_url, "--certfile", str(missing), "--keyfile", str(pki.key))
    _refused(result, f"证书文件不存在：{missing}", f"certificate file not found: {missing}")


def test_serve_names_a_key_path_that_is_not_a_file(database_url, pki, tmp_path) -> None:
    folder = tmp_path / "key.pem"
    folder.mkdir()  # a folder where the key should be
    result = serve(database_url, "--certfile", str(pki.cert), "--keyfile", str(folder))
    _refused(result, f"私钥不是文件：{folder}", f"key is not a file: {folder}")


def test_serve_refuses_a_key_that_is_not_the_certificates(database_url, pki, tmp_path) -> None:
    other = make_pki(tmp_path / "other")
    result = serve(database_url, "--certfile", str(pki.cert), "--keyfile", str(other.key))
    _refused(result, str(pki.cert), str(other.key), "must be PEM, belong together")


def test_serve_refuses_an_encrypted_key_without_prompting(database_url, pki, tmp_path) -> None:
    locked = tmp_path / "locked.key"
    subprocess.run(
        ["openssl", "pkey", "-in", str(pki.key), "-aes256", "-passout", "pass:secret"]
        + ["-out", str(locked)],
        check=True,
        capture_output=True,
    )
    result = serve(database_url, "--certfile", str(pki.cert), "--keyfile", str(locked))
    _refused(result, str(locked), "the key must not be encrypted")


def test_serve_refuses_a_file_that_is_not_pem(database_url, pki, tmp_path) -> None:
    junk = tmp_path / "cert.pem"
    junk.write_text("这不是证书 not a certificate\n")
    result = serve(database_url, "--certfile", str(junk), "--keyfile", str(pki.key))
    _refused(result, str(junk), "cannot serve HTTPS with certificate")


# -- the map page in Chromium: a secure context over HTTPS only -------------------------


def _browser(p, pki: Pki):
    """Headless Chromium that resolves ``yizhan.test`` to 127.0.0.1 and trusts the test
    server's key (its SPKI pin: a valid certificate to Chromium, no errors ignored)."""
    rules = f"--host-resolver-rules=MAP {HOST} 127.0.0.1"
    pin = f"--ignore-certificate-errors-spki-list={pki.spki_sha256()}"
    return p.chromium.launch(executable_path=CHROMIUM, args=[*ARGS, rules, pin], headless=True)


def _locate(browser, url: str) -> tuple[bool, Any, list[str], list[str]]:
    """Open the map page at ``url`` on a phone with geolocation granted and a fixed
    position; press 定位我. Returns isSecureContext, the page, console errors and
    requests to anywhere else."""
    lon, lat = ll(*Q)
    context = browser.new_context(
        viewport={"width": 360, "height": 640},
        geolocation={"longitude": lon, "latitude": lat},
        permissions=["geolocation"],
        locale="zh-CN",
    )
    page = context.new_page()
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: None if r.url.startswith(url) else outside.append(r.url))
    page.goto(url + "/")
    secure = page.evaluate("window.isSecureContext")
    page.get_by_role("button", name="定位我").click()
    return secure, page, errors, outside


@pytest.mark.browser
def test_map_page_is_a_secure_context_over_https_and_locates_the_phone(
    db, database_url, https_port, pki
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    load_network(db)
    add_station(db, "甲站 A", 0, 180)
    with (
        yizhan_serve(database_url, YIZHAN_BASEMAP="none") as (plain_port, _),
        sync_api.sync_playwright() as p,
    ):
        browser = _browser(p, pki)
        try:
            secure, page, errors, outside = _locate(browser, f"https://{HOST}:{https_port}")
            assert secure is True
            page.wait_for_selector("#results li")
            assert "甲站 A" in page.locator("#results li .name").first.text_content()
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "map-https-located.png"))
            assert errors == [] and outside == []

            # The same page over plain http on a name that is not localhost: what a
            # phone sees at http://HOST:8000/ — no secure context, no position.
            secure, page, errors, outside = _locate(browser, f"http://{HOST}:{plain_port}")
            assert secure is False
            status = page.locator("#status")
            page.wait_for_function(
                "document.getElementById('status').textContent.includes('无法获取您的位置')"
            )
            assert "无法获取您的位置" in status.text_content()
            assert page.locator("#results li").count() == 0
            page.screenshot(path=str(ARTIFACTS / "map-http-no-position.png"))
            assert outside == []
        finally:
            browser.close()
