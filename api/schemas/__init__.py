"""Request and response models of the HTTP API, one module per area.

``common`` holds the types shared by several areas, each derived from its single source
in ``geo`` (kinds, statuses, review states, coverage modes, CRS names, roles), so that a
new term in ``geo`` is the only change the API needs. Routes import their models from
here; ``geo`` never imports ``api``.
"""
