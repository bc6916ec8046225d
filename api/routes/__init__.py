"""The API's routers, one module per resource; ``ROUTERS`` lists them in order."""

from api.routes import (
    admin_users,
    auth,
    console,
    coverage,
    docs,
    health,
    home,
    imports,
    map_page,
    ogc,
    review,
    staff,
    staff_page,
    stations,
    targets,
    tiles,
)

ROUTERS = [
    health.router,
    home.router,
    stations.router,
    ogc.router,
    coverage.router,
    targets.router,
    auth.router,
    admin_users.router,
    staff.router,
    review.router,
    imports.router,
    staff_page.router,
    console.router,
    tiles.router,
    map_page.router,
    docs.router,
]
