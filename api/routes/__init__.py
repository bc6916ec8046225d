"""The API's routers, one module per resource; ``ROUTERS`` lists them in order."""

from api.routes import coverage, health, home, map_page, ogc, stations

ROUTERS = [
    health.router,
    home.router,
    stations.router,
    ogc.router,
    coverage.router,
    map_page.router,
]
