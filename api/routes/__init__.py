"""The API's routers, one module per resource; ``ROUTERS`` lists them in order."""

from api.routes import auth, health, home, imports, review, staff, staff_page

ROUTERS = [
    health.router,
    home.router,
    auth.router,
    staff.router,
    review.router,
    imports.router,
    staff_page.router,
]
