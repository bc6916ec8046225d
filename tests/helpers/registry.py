"""A station list for the registry tests: many published stations in three districts and
three statuses, names that test the search (Latin letters in both cases, ``%`` and ``_``)
and address-only rows (unlocated drafts)."""

from __future__ import annotations

DISTRICTS = ("福田区", "南山区", "罗湖区")
STATUSES = ("open", "planned", "under_construction")
#: Rows whose names the search tests look for (with a position, in 福田区).
SPECIAL = (
    ("Lotus Hall 爱心驿站", "深圳市福田区莲花路 1 号"),
    ("满意度100%驿站", "深圳市福田区百分路 2 号"),
    ("A_B 职工驿站", "深圳市福田区下划线路 3 号"),
    ("AxB 职工驿站", "深圳市福田区字母路 4 号"),
)
#: Address-only rows: kept as unlocated drafts.
UNLOCATED = (("翠竹街待定位驿站", "深圳市罗湖区翠竹路 9 号", "罗湖区"),)


def registry_csv(numbered: int = 60) -> bytes:
    """``numbered`` stations 站点00, 站点01 … about 400 m apart (never duplicates of each
    other), district and status taking turns, then :data:`SPECIAL` and :data:`UNLOCATED`."""
    lines = ["name,address,district,lng,lat,status,id"]
    for i in range(numbered):
        lon, lat = 114.00 + (i % 10) * 0.004, 22.50 + (i // 10) * 0.004
        d, s = DISTRICTS[i % 3], STATUSES[i % 3]
        lines.append(f"站点{i:02d},深圳市{d}第 {i} 号,{d},{lon:.4f},{lat:.4f},{s},R{i}")
    for j, (name, address) in enumerate(SPECIAL):
        lon, lat = 114.10 + j * 0.004, 22.60
        lines.append(f"{name},{address},福田区,{lon:.4f},{lat:.4f},open,S{j}")
    for k, (name, address, district) in enumerate(UNLOCATED):
        lines.append(f"{name},{address},{district},,,open,U{k}")
    return "\n".join(lines).encode("utf-8")


def import_registry(post, headers: dict[str, str], numbered: int = 60) -> None:
    """Import :func:`registry_csv` through the API (``post`` is a client's ``post``)."""
    r = post(
        "/api/v1/imports",
        files={"file": ("registry.csv", registry_csv(numbered), "text/csv")},
        data={"kind": "love_station", "crs": "wgs84", "source": "registry-test"},
        headers={**headers, "X-Requested-With": "yizhan"},
    )
    assert r.status_code == 200, r.text
