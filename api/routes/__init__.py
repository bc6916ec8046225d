"""The API's routers, one module per resource; ``ROUTERS`` lists them in order."""

from api.routes import coverage, health, home

ROUTERS = [health.router, home.router, coverage.router]
