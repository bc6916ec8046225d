"""Units and limits shared across packages."""

from __future__ import annotations

# An average month in days (a Julian year over twelve), for paces per month.
DAYS_PER_MONTH = 365.25 / 12
# The largest distance in metres a question may ask for: a search radius or a service
# distance.
MAX_DISTANCE_M = 20_000.0
#: The shortest service distance a coverage question may ask (metres): below it the
#: streets would be cut into pieces shorter than a step.
MIN_SERVICE_DISTANCE_M = 10.0
