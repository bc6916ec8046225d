"""The OGC API side of Yizhan's data: collections and their queryables, CQL2 filters
translated to parameterised SQL, and the coordinate systems the API answers in.

Nothing here knows HTTP: ``api/routes/ogc.py`` parses a request, calls these and shapes
the documents.
"""
