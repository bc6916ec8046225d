"""Public stations: one station, and the answer to "which stations are nearest".

Both are domain models: ``geo.stations.lookup`` builds and validates them (and the CLI prints
them), so they live there and the API only names them here; ``geo`` never imports
``api``.
"""

from __future__ import annotations

from geo.stations.lookup import NearestAnswer, PublicStation
from geo.stations.route import Route

__all__ = ["NearestAnswer", "PublicStation", "Route"]
