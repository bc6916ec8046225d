"""Operations (issue 15): whether a station is really open and serving.

Problems reported by the public or found by staff (``problems``), inspections against the
station standard (``inspections``), check-ins and visitor counts (``usage``), QR posters
(``posters``) and the yearly evaluation (``evaluation``). Tables: migration 0014; photos:
``geo.photos``; personal data: ``geo.privacy``.
"""
