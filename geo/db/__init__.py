"""The database layer: the managed cluster, connections, migrations and the SQL of each
aggregate (one module per aggregate: ``network``, ``accounts``, ...). The stations' SQL
lives with the rest of the station aggregate, in :mod:`geo.stations.sql`."""
