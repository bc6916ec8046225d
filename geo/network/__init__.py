"""The walk network, in one place: read from PostGIS by :mod:`geo.network.sql`, held in
memory (metric projection, snapping, per-process cache keyed on the network's version) by
:mod:`geo.network.walk`, searched by the graph and Dijkstra entry points of
:mod:`geo.network.graph`. Used by the public lookup (:mod:`geo.stations.lookup`),
coverage (:mod:`geo.coverage`) and siting (:mod:`geo.siting.network`). The import side
(noding streets into a network) is :mod:`geo.io.streets`."""
