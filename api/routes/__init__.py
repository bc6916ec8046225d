"""The API's routers, one module per resource; ``ROUTERS`` lists them in order."""

from api.routes import auth, health, home

ROUTERS = [health.router, home.router, auth.router]
