"""Configuration: environment variables with the ``YIZHAN_`` prefix (or a ``.env`` file).

One typed group per concern (database, serving, clock, lookup, coverage, siting,
accounts, stations, imports, operations), each read from the same flat variables
(``YIZHAN_POOL_MAX``, …) and handed to the code that needs it at the edges (the app, the
CLI); ``Settings`` holds them all and :func:`get_settings` caches it.

``DATABASE_URL`` (no prefix, the common convention) points Yizhan at an existing PostGIS;
without it Yizhan manages its own local cluster under ``YIZHAN_HOME``.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from geo.vocab import MAIN_CLASSES

PROJECT_ROOT = Path(__file__).resolve().parents[1]


_ENV = SettingsConfigDict(env_prefix="YIZHAN_", env_file=".env", extra="ignore", frozen=True)


class DatabaseSettings(BaseSettings):
    """Where the data lives: ``DATABASE_URL``, or the managed cluster under ``home``."""

    model_config = _ENV

    home: Path = Field(default=PROJECT_ROOT / ".yizhan")
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    db_port: int = 54329
    db_name: str = "yizhan"
    db_user: str = "yizhan"
    # The OS account that runs the managed cluster when Yizhan is started as root.
    db_os_user: str = "yizhan"
    pool_min: int = 1
    pool_max: int = 10
    # Seconds a request waits for a database connection before it is answered with 503.
    pool_timeout_s: float = 2.0
    # The walk network's arrays, written once per network version and memory-mapped by
    # every worker (shared page cache); off: each process builds its own copy (as before).
    network_cache: bool = True
    cache_dir: Path | None = None  # default: ``cache`` under ``home``

    @field_validator("home", mode="before")
    @classmethod
    def _expand_home(cls, value: object) -> object:
        return Path(str(value)).expanduser().resolve() if value else value


class ServingSettings(BaseSettings):
    """The web app: workers, logs, proxies, limits and the pages' base maps."""

    model_config = _ENV

    workers: int = 1
    log_json: bool = False
    log_level: str = "INFO"
    trust_forwarded: bool = False
    rate_limit_per_minute: int = 600  # per client; 0 turns the limit off
    rate_limit_burst: int = 120
    max_body_bytes: int = 1_000_000  # larger request bodies get 413
    max_upload_bytes: int = 20_000_000  # the limit for file uploads (/api/v1/imports)
    # The map page's basemap: yizhan (our own vector tiles) | osm | tianditu (needs
    # tianditu_key) | amap (GCJ-02) | none.
    basemap: str = "yizhan"
    tianditu_key: str | None = None
    tile_url: str = ""  # base map tiles for the staff page ({z}/{x}/{y}); none when empty
    # HTTPS of ``yizhan serve`` when --certfile/--keyfile are not given (both or neither):
    # phones allow geolocation only in a secure context.
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None
    # Strict-Transport-Security max-age (seconds) on https answers; 0 sends none. Off by
    # default: on an intranet a lapsed certificate would lock phones out (docs/deploy.md).
    hsts_max_age_s: int = Field(default=0, ge=0)
    # Light on mobile data (#14): gzip/brotli for text and JSON answers of at least
    # compress_min_bytes; pages link assets by content-hashed URLs kept a year by browsers.
    # Both off serve as before (the first-load benchmark's baseline).
    compress: bool = True
    compress_min_bytes: int = Field(default=1024, ge=0)
    hashed_assets: bool = True

    @field_validator("tls_certfile", "tls_keyfile", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value


class ClockSettings(BaseSettings):
    """The city's time zone, and a fixed "now" for tests (read by ``geo/clock.py``)."""

    model_config = _ENV

    # The city's time zone: "today" and "now" everywhere (geo/clock.py) are read in it.
    timezone: str = "Asia/Shanghai"
    # Fix the clock at this moment (ISO time with offset), for tests and for reproducing
    # what a past day's defaults were; unset in production.
    now: datetime | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"YIZHAN_TIMEZONE: unknown IANA time zone '{value}'") from exc
        return value

    @field_validator("now")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.utcoffset() is None:
            raise ValueError("YIZHAN_NOW needs an offset, e.g. 2026-12-31T23:30:00+08:00")
        return value


class LookupSettings(BaseSettings):
    """The public lookup: walking speed for walking minutes; a position farther than
    ``walk_max_snap_m`` from every walkable street is ranked by straight-line distance."""

    model_config = _ENV

    walk_speed_kmh: float = 4.5
    walk_max_snap_m: float = 500.0
    #: A public station on a connected piece of the walk network shorter than this is
    #: listed by the import report and the summaries (#12 item 1).
    walk_small_piece_m: float = Field(default=1000.0, ge=0)
    #: Answer nearest from a table of each walk node's nearest stations, kept in memory
    #: and rebuilt in the background when the network, the stations or the date change
    #: (#18); off: every request searches the network (the answers are the same).
    nearest_table: bool = True
    #: Stations listed per node in that table (more: fewer requests fall back to the
    #: search, more memory: ``nodes x k x 12`` bytes per station kind and for all kinds).
    nearest_table_k: int = Field(default=24, ge=1, le=256)
    #: Also one table per station kind (the usual filter), each as large as the one for
    #: all kinds; off: a request for one kind reads the all-kinds lists (proven less often).
    nearest_table_per_kind: bool = True


class CoverageSettings(BaseSettings):
    """Coverage: which streets are main streets, service distances, grid cells."""

    model_config = _ENV

    main_street_classes: tuple[str, ...] = MAIN_CLASSES
    # Street names (a regular expression, searched) of roads where nobody walks or rides
    # an e-bike: out of the walk network and the main streets at the next street import.
    # Empty: no name rule. Service roads beside them (…辅路) stay walkable.
    unwalkable_name_pattern: str = r"^(?!.*辅路).*(?:高架|快速路)"
    # Walking coverage radius per kind, in metres.
    coverage_distance_m: dict[str, float] = {
        "love_station": 1000.0,
        "mother_baby_room": 1000.0,
        "worker_bookshop": 1500.0,
    }
    # Coverage of key districts: side of the square grid cells, in metres.
    coverage_cell_m: float = 50.0

    @field_validator("unwalkable_name_pattern")
    @classmethod
    def _valid_pattern(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(
                f"YIZHAN_UNWALKABLE_NAME_PATTERN is not a regular expression: {exc}"
            ) from exc
        return value


class SitingSettings(BaseSettings):
    """Siting (``yizhan plan``): MCLP objective = street metres × street weight + district
    m² × area weight; 0.02 per m² makes a 50 m cell (2,500 m²) worth 50 m of main street."""

    model_config = _ENV

    siting_street_weight: float = 1.0
    siting_area_weight: float = 0.02
    siting_spacing_m: float = 100.0  # generated candidates: metres apart
    siting_piece_m: float = 25.0  # uncovered main streets are cut into pieces of this
    siting_time_limit_s: float = 60.0  # HiGHS time limit
    # A site is marked as a sliver when what it adds (street m × street weight + m² × area
    # weight) is under both this share of what the whole plan adds and siting_sliver_m.
    siting_sliver_share: float = Field(default=0.01, ge=0, le=1)
    siting_sliver_m: float = Field(default=50.0, ge=0)  # 50 m of street, or one 50 m cell
    # Plans run from the console as jobs (#16): threads per server process, and how many
    # may wait or run in one process before a new one is refused (429).
    siting_job_workers: int = Field(default=1, ge=1, le=8)
    siting_job_max_queued: int = Field(default=4, ge=1, le=100)


class AccountSettings(BaseSettings):
    """Staff accounts: token lifetime and login throttling.

    Failed logins are counted over ``login_window_s`` for three subjects. One account from
    one client address: at ``login_max_failures_user`` that address is locked out of that
    account for ``login_lock_s``. One address over all accounts: at
    ``login_max_failures_client`` the address is locked out for ``login_lock_s``. One
    account over all addresses: from ``login_max_failures_account`` on, each failure
    closes the account for 1, 2, 4 … s, at most ``login_backoff_max_s``. Addresses from
    which the account logged in within ``login_trust_s`` meet only their own lock, so a
    guesser elsewhere cannot lock its owner out.
    """

    model_config = _ENV

    token_ttl_s: int = 8 * 3600  # bearer tokens and page sessions expire after this
    login_window_s: int = Field(default=900, ge=1)  # failed logins are counted over this
    login_lock_s: int = Field(default=900, ge=1)  # how long a lock lasts
    login_max_failures_user: int = Field(default=5, ge=1)  # one account from one address
    login_max_failures_client: int = Field(default=20, ge=1)  # one address, all accounts
    login_max_failures_account: int = Field(default=50, ge=1)  # one account, all addresses
    login_backoff_max_s: int = Field(default=300, ge=1)  # the longest account backoff
    login_trust_s: int = Field(default=30 * 86400, ge=0)  # a login trusts its address this long
    cookie_secure: bool = False  # always mark the session cookie Secure (else: when https)


class StationSettings(BaseSettings):
    """Station writes: the service area of imports and the duplicate checks."""

    model_config = _ENV

    # Station imports: rows further than this outside the loaded districts are refused.
    max_outside_m: float = 5000.0
    duplicate_radius_m: float = 50.0  # same kind this close: a possible duplicate
    duplicate_name_radius_m: float = 200.0  # a similar name this close: a possible duplicate
    duplicate_name_similarity: float = 0.4  # pg_trgm similarity of name keys that counts
    # Station imports check the declared datum against the walk network
    # (geo.stations.datum): rows inside the network's hull and within this of it count,
    datum_check_near_m: float = Field(default=2000.0, gt=0)
    # at least this many of them, else the check is skipped;
    datum_check_min_rows: int = Field(default=6, ge=1)
    # another datum is likely when the declared one's median (or mean) snap distance is
    # at least this many metres and that datum's is at most 1/ratio of it.
    datum_check_min_m: float = Field(default=20.0, ge=0)
    datum_check_ratio: float = Field(default=2.0, gt=1)


class ImportSettings(BaseSettings):
    """File imports: how much a file may hold once unpacked, how much of a report is
    listed, and when and how many imports run in the background (``/api/v1/imports``)."""

    model_config = _ENV

    # Bytes a file may hold once decompressed: an XLSX's zip members together (declared
    # and actual), a CSV or GeoJSON file as it is. A 0.8 MB XLSX held 237 MB of sheet XML.
    import_max_decompressed_bytes: int = Field(default=100_000_000, ge=1)
    # Rows below the header (blank ones too), or GeoJSON features, that one file may hold.
    import_max_rows: int = Field(default=100_000, ge=1)
    # A report lists this many problems (and possible duplicates); the counts cover all,
    # and the full problem list is downloadable as CSV.
    import_report_problems: int = Field(default=100, ge=0)
    # A dry run's report lists this many of the rows it would import, with their WGS-84
    # positions (the console's preview map); 0 lists none.
    import_preview_rows: int = Field(default=500, ge=0)
    # Uploads with more rows than this run as a background job (202 and a job to poll);
    # ``?async=true`` runs any upload so.
    import_async_rows: int = Field(default=2_000, ge=0)
    import_workers: int = Field(default=2, ge=1)  # background imports at once, per process
    import_max_queued: int = Field(default=10, ge=1)  # waiting or running, per process
    import_keep_days: int = Field(default=30, ge=1)  # finished jobs are deleted after this


class OperationsSettings(BaseSettings):
    """Operations (issue 15): public problem reports, check-ins, inspections, photos,
    personal data and the yearly evaluation."""

    model_config = _ENV

    # Public problem reports: at most this many per client per hour and per station per
    # day (all clients); a report of the same station and category while one is open is
    # collapsed into it.
    report_max_per_client_hour: int = Field(default=5, ge=1)
    report_max_per_station_day: int = Field(default=50, ge=1)
    # Check-ins: one per device and station in this many hours; at most this many per
    # client per hour (a device token is easy to drop; the client limit is not).
    checkin_interval_hours: float = Field(default=4.0, gt=0)
    checkin_max_per_client_hour: int = Field(default=30, ge=1)
    # The key of the hashes kept of clients and devices (never their addresses); empty:
    # one made from the database's system identifier, stable across restarts.
    client_hash_key: str = ""
    # Personal data: a reporter's phone is erased this many days after the report.
    phone_retention_days: int = Field(default=90, ge=1)
    # Inspections: a position further than this from the station is warned about.
    inspection_warn_m: float = Field(default=100.0, gt=0)
    # The station standard (its checklist) as a JSON file; empty: the default items of
    # geo.vocab.INSPECTION_ITEMS.
    standard_file: Path | None = None
    # Photos: bytes accepted before decoding, pixels decoded, the longest side stored,
    # and JPEG quality of the stored copy.
    photo_max_bytes: int = Field(default=10_000_000, ge=1)
    photo_max_pixels: int = Field(default=40_000_000, ge=1)
    photo_max_side: int = Field(default=1600, ge=64)
    photo_quality: int = Field(default=80, ge=30, le=95)
    # A station not verified on the spot for this many days is flagged as stale.
    stale_days: int = Field(default=180, ge=1)
    # The yearly evaluation's rules as a JSON file; empty: the defaults of
    # geo.operations.evaluation.
    evaluation_rules_file: Path | None = None
    # Inspections: at most this many photos with one inspection.
    inspection_max_photos: int = Field(default=8, ge=0, le=50)
    # QR posters: the address people reach Yizhan at (``https://yizhan.example.org``);
    # posters link to ``{public_url}/s/{id}`` and are refused without it.
    public_url: str = ""


class Settings(BaseModel):
    """Every group of settings; see the README for each variable."""

    model_config = {"frozen": True}

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    serving: ServingSettings = Field(default_factory=ServingSettings)
    clock: ClockSettings = Field(default_factory=ClockSettings)
    lookup: LookupSettings = Field(default_factory=LookupSettings)
    coverage: CoverageSettings = Field(default_factory=CoverageSettings)
    siting: SitingSettings = Field(default_factory=SitingSettings)
    accounts: AccountSettings = Field(default_factory=AccountSettings)
    stations: StationSettings = Field(default_factory=StationSettings)
    imports: ImportSettings = Field(default_factory=ImportSettings)
    operations: OperationsSettings = Field(default_factory=OperationsSettings)


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests clear the cache after changing env)."""
    return Settings()
