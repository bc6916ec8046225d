"""The API's routers, one module per resource; ``ROUTERS`` lists them in order."""

from api.routes import health, home, map_page, ogc, stations

ROUTERS = [health.router, home.router, stations.router, ogc.router, map_page.router]
