"""Stations: the one home of the station aggregate.

``model`` validates a station as people give it; ``edits`` are staff changes (create,
edit, status, review); ``history`` reads the audit; ``public`` validates what the public
asks for and ``lookup`` answers it (nearest stations, public records); ``export`` writes
station files and ``imports`` reads them; ``sql`` is the only module that reads and
writes the ``stations`` table.
"""
