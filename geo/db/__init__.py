"""The database layer: the managed cluster, connections, migrations and the SQL of each
aggregate (one module per aggregate: ``stations``, ``network``, ...)."""
