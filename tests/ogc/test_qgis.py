"""QGIS itself (#16) loading every public OGC collection as an OAPIF layer with a filter,
off-screen, and counting the features: the counts must equal the API's own for the same
CQL2 filter.

QGIS is optional and large (``make setup-qgis``: Debian's ``qgis`` and ``python3-qgis``).
It runs with the system ``python3``, not the project's virtualenv, so the test skips
unless ``python3 -c "import qgis.core"`` works. The filter is the layer's subset string
(a QGIS expression, the same text as the CQL2 one here), which QGIS applies to what the
OAPIF provider reads.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from tests.api.test_ogc_coverage import load
from tests.helpers.live import start_server, stop_server


def _qgis_missing() -> str | None:
    python3 = shutil.which("python3", path="/usr/bin:/bin")
    if python3 is None:
        return "no system python3"
    run = subprocess.run(
        [python3, "-c", "import qgis.core"], capture_output=True, text=True, timeout=60
    )
    if run.returncode != 0:
        return "QGIS not installed (`make setup-qgis`: Debian's qgis and python3-qgis)"
    return None


_MISSING = _qgis_missing()
pytestmark = pytest.mark.skipif(_MISSING is not None, reason=_MISSING or "")

#: Each public collection with a filter (the same text in CQL2 and as a QGIS expression).
LAYERS = {
    "stations": "district = '福田' AND kind <> 'love_station'",
    "districts": "is_key = true",
    "main_streets": "length_m > 2000",
    "coverage_gaps": "kind = 'worker_bookshop'",
    "street_coverage": "role = 'street_covered'",
}

# Runs with the system python3: each layer as OAPIF, its subset string set, its count.
SCRIPT = r"""
import json, sys
from qgis.core import QgsApplication, QgsVectorLayer

base, layers = sys.argv[1], json.loads(sys.argv[2])
app = QgsApplication([], False)
app.initQgis()
out = {}
for name, where in layers.items():
    uri = f"url='{base}/ogc' typename='{name}' pagingEnabled='true'"
    layer = QgsVectorLayer(uri, name, "OAPIF")
    if not layer.isValid():
        out[name] = {"error": layer.error().summary()}
        continue
    layer.setSubsetString(where)
    out[name] = {"count": sum(1 for _ in layer.getFeatures())}
print(json.dumps(out))
app.exitQgis()
"""


@pytest.fixture
def server(db, database_url) -> Iterator[str]:
    load(db)
    base, proc = start_server(database_url, YIZHAN_NOW="2025-06-01T12:00:00+08:00")
    try:
        yield base
    finally:
        stop_server(proc)


def _api_count(base: str, layer: str, where: str) -> int:
    query = urllib.parse.urlencode({"filter": where, "limit": "1"})
    with urllib.request.urlopen(f"{base}/ogc/collections/{layer}/items?{query}") as r:
        return int(json.load(r)["numberMatched"])


def test_qgis_loads_every_collection_with_a_filter(server, tmp_path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(tmp_path),
        "LANG": os.environ.get("LANG", "C.UTF-8"),
    }
    run = subprocess.run(
        ["/usr/bin/python3", "-c", SCRIPT, server, json.dumps(LAYERS)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    counts = json.loads(run.stdout.strip().splitlines()[-1])
    for layer, where in LAYERS.items():
        expected = _api_count(server, layer, where)
        assert expected > 0, layer
        assert counts[layer] == {"count": expected}, (layer, counts[layer], run.stderr[-2000:])
