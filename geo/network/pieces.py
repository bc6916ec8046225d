"""How the walk network holds together: its connected pieces, and which points stand on
small ones.

A street file can fall apart into many pieces (a footway cut off by a missing node, a
courtyard path drawn apart from the street). A station on a piece of 100 m reaches nothing
by walking, however near it is to the rest of the city. These are the figures an import
and the summaries report: the number of pieces, the share of the network's length in the
largest, and the points (stations) whose snapped edge lies on a piece shorter than a
threshold, with that piece's length.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from geo.network.graph import Graph
from geo.network.walk import WalkNetwork

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class Pieces:
    """The connected pieces of a walk network."""

    edge_piece: Ints  # piece of each edge
    length_m: Floats  # total edge metres of each piece

    @property
    def count(self) -> int:
        """Number of pieces (edges that touch nothing else make a piece each)."""
        return len(self.length_m)

    @property
    def largest_share(self) -> float:
        """Share (0–1) of the network's length in its longest piece."""
        total = float(self.length_m.sum())
        return float(self.length_m.max()) / total if total > 0 else 1.0


def pieces(graph: Graph) -> Pieces:
    """The connected pieces of ``graph``, by edges, with their lengths."""
    if graph.n_edges == 0:
        return Pieces(np.zeros(0, dtype=np.int64), np.zeros(0))
    _, edge_piece = np.unique(graph.node_piece[graph.source], return_inverse=True)
    edge_piece = edge_piece.reshape(-1).astype(np.int64)
    return Pieces(edge_piece, np.bincount(edge_piece, weights=graph.length).astype(np.float64))


@dataclass(frozen=True)
class OnSmallPieces:
    """Which points stand on small pieces: their indices and their pieces' lengths."""

    index: Ints  # positions in the points given
    piece_m: Floats
    off_network: int  # points farther than the snap limit from every walk edge


def on_small_pieces(
    net: WalkNetwork,
    found: Pieces,
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    small_piece_m: float,
    max_snap_m: float,
) -> OnSmallPieces:
    """The points (WGS-84) that join the network on a piece shorter than ``small_piece_m``.

    A point joins the network at its nearest edge when that edge is within ``max_snap_m``
    (as the public lookup does); points farther away are only counted.
    """
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    if len(lon) == 0:
        return OnSmallPieces(np.zeros(0, dtype=np.int64), np.zeros(0), 0)
    snapped = net.snap_remembered(lon.tolist(), np.atleast_1d(np.asarray(lat)).tolist())
    joined = (snapped.edge >= 0) & (snapped.offset <= max_snap_m)
    piece_m = np.full(len(lon), np.inf)
    piece_m[joined] = found.length_m[found.edge_piece[snapped.edge[joined]]]
    small = np.flatnonzero(piece_m < small_piece_m)
    return OnSmallPieces(small.astype(np.int64), piece_m[small], int((~joined).sum()))
