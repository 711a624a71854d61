"""Schools and shelters (points) -> the geography of every layer they fall in.

A school's administering district is an attribute of the school; its position decides
every other layer, the borough included. The point-in-polygon joins run in a projected
CRS (the config's, or the local UTM zone), as distances and containment are meant.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from atlas.boundaries import WGS84
from atlas.config import Config
from atlas.errors import Problem
from atlas.load import row_list
from atlas.model import Geography


def points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """A table with longitude/latitude columns as WGS 84 points."""
    return gpd.GeoDataFrame(
        frame,
        geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]),
        crs=WGS84,
    )


def locate(
    frame: pd.DataFrame,
    layers: dict[str, Geography],
    *,
    config: Config,
    fname: str,
    what: str,
    attribute_layer: str | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Add one column per layer with the geo_id each point falls in (None outside all).

    ``attribute_layer`` names a layer taken from the row's own ``district`` column
    instead of its position (the school's administering district).
    """
    problems: list[Problem] = []
    out = frame.reset_index(drop=True).copy()
    lon = out["longitude"].astype(float).to_numpy()
    lat = out["latitude"].astype(float).to_numpy()
    known = ~np.isnan(lon) & ~np.isnan(lat)  # a missing or bad value has its message
    off_earth = known & ~((np.abs(lon) <= 180) & (np.abs(lat) <= 90))  # infinity too
    if off_earth.any():
        problems.append(
            Problem(
                f"{fname} {row_list(off_earth.nonzero()[0])}",
                "longitude must be -180 to 180 and latitude -90 to 90 (WGS 84 degrees)",
                "check these locations (swapped? projected coordinates?)",
            )
        )
    usable = known & ~off_earth
    district = config.district_layer.name
    if not usable.any():  # nothing to place: every row already has an error
        for name in layers:
            out[name] = None
        if attribute_layer is not None:
            out[attribute_layer] = out["district"]
        return out, problems
    pts = points(out.loc[usable]).reset_index(drop=True)
    index = usable.nonzero()[0]
    crs = config.projected_crs or pts.estimate_utm_crs()
    projected = pts.to_crs(crs)
    lost = np.zeros(len(out), bool)  # outside the district layer: an error already says so
    for name, geo in layers.items():
        polys = geo.frame.loc[geo.frame.geometry.notna(), ["geo_id", "geometry"]].to_crs(crs)
        hit = gpd.sjoin(projected[["geometry"]], polys, how="left", predicate="within")
        # A point on a shared edge can fall in two features; keep the first, deterministically.
        hit = hit[~hit.index.duplicated(keep="first")].sort_index()
        located = pd.Series(None, index=range(len(out)), dtype=object)
        found = hit["geo_id"].astype(object).where(hit["geo_id"].notna(), None)
        located.iloc[index] = found.to_numpy()
        outside = located.isna().to_numpy() & usable
        if name == district:
            lost = outside
        else:
            outside = outside & ~lost
        if outside.any():
            rows = outside.nonzero()[0]
            if name == district:
                problems.append(
                    Problem(
                        f"{fname} {row_list(rows)}",
                        f"{_lie(len(rows), what)} outside every {name} polygon",
                        "check their longitude and latitude (swapped? wrong sign?)",
                    )
                )
            else:
                problems.append(
                    Problem(
                        f"{fname} {row_list(rows)}",
                        f"{_lie(len(rows), what)} in no {name}; they count in the city "
                        f"but in no {name}",
                        "check the location, or the layer's exclude list",
                        "warning",
                    )
                )
        out[name] = located.to_numpy()
    if attribute_layer is not None:
        problems += _stated_elsewhere(out, layers[attribute_layer], attribute_layer, fname, what)
        out[attribute_layer] = out["district"]
    return out, problems


def _stated_elsewhere(
    out: pd.DataFrame, layer: Geography, name: str, fname: str, what: str
) -> list[Problem]:
    """A warning for points that stand in another polygon than the one their row names
    (rows naming a district without a polygon, such as NYC's 75 and 79, are not checked)."""
    with_polygon = set(layer.frame.loc[layer.frame.geometry.notna(), "geo_id"])
    stated = out["district"].astype(str)
    found = out[name]
    elsewhere = (stated.isin(with_polygon) & found.notna() & (found != stated)).to_numpy()
    if not elsewhere.any():
        return []
    rows = elsewhere.nonzero()[0]
    return [
        Problem(
            f"{fname} {row_list(rows)}",
            f"{_lie(len(rows), what)} in another {name} than the one the row names "
            f"(the first, in {found.iloc[rows[0]]}, names {stated.iloc[rows[0]]})",
            "check the location; the named district is the one the atlas uses",
            "warning",
        )
    ]


def _lie(n: int, what: str) -> str:
    """'1 school lies' or '12 schools lie' (``what`` is the plural)."""
    return f"1 {what.removesuffix('s')} lies" if n == 1 else f"{n:,} {what} lie"
