"""The overlay of the layers: the smallest areas that every geography is made of.

A layer's figure for a geography adds up the students of its schools, and school
locations are public. So a reader who lays the layers over one another sees pieces:
the schools that share one geography of every layer (the same school district, the
same community district, the same council district, and so on). Every geography is a
sum of pieces, each piece at least zero. When the layers overlap without nesting, sums
of geographies of different layers can cover the same pieces: in the 0.01 demo, senate
districts 18 and 25 hold exactly the schools of community districts 303 and 306 and
council districts 34 and 37, so council district 37's withheld count is the two senate
districts' minus the three others', whatever the containments between pairs of
geographies say.

The pieces are computed like a layer that is never published (``OVERLAY_LAYER``):
their cells join the protection stage as quantities a reader does not see, which no
complement may reveal, yet which are not protected themselves (a count of a piece is
only as sensitive as the difference areas the suppressor protects already).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from atlas.model import Geography

#: The internal name of the overlay's pieces (never published).
OVERLAY_LAYER = "overlay@schools"


def overlay_pieces(schools: pd.DataFrame, layers: Iterable[str]) -> pd.Series | None:
    """Each school's piece of the overlay of ``layers`` (``schools`` has a column per
    layer naming each school's geography, empty where it lies in none), as a Series of
    piece ids by ``school_id``; None when every piece is already the schools of one
    geography, or of the city (the layers nest: the pieces would add nothing)."""
    layers = [layer for layer in layers if layer in schools.columns]
    ids = schools["school_id"].astype(str)
    if not layers or ids.empty:
        return None
    where = schools[layers].astype("string").fillna("")
    key = where.apply(lambda row: "|".join(row), axis=1)
    piece = key.rank(method="dense").astype(int).astype(str).set_axis(ids)
    members = piece.groupby(piece).apply(lambda s: frozenset(s.index))
    known = {frozenset(ids)}
    named = schools.assign(school_id=ids)
    for layer in layers:
        known |= set(named.dropna(subset=[layer]).groupby(layer)["school_id"].agg(frozenset))
    if all(m in known for m in members):
        return None
    return piece.rename(OVERLAY_LAYER)


def overlay_geography(pieces: pd.Series) -> Geography:
    """The pieces as an internal layer for :func:`atlas.compute.compute`."""
    ids = sorted(set(pieces), key=int)
    frame = pd.DataFrame({"geo_id": ids, "geo_name": [f"Piece {i}" for i in ids]})
    frame["parent_id"] = None
    return Geography(OVERLAY_LAYER, "Overlay piece", frame)
