"""Boundary files -> checked, repaired layers of (geo_id, geo_name, parent_id, geometry).

Each configured layer is read with geopandas, checked the way a user's file must be
(CRS, valid geometry, one feature per id), and repaired only as the config accepts:
``make_valid``, ``dissolve``, ``exclude``. Accepted repairs become notes in the build
report; anything else is an error or a warning. Ids from the attribute table that have
no feature (NYC's districts 75 and 79) become geographies without geometry.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from atlas.config import Config, Layer
from atlas.errors import Problem
from atlas.model import Geography

WGS84 = "EPSG:4326"


def read_layers(config: Config) -> tuple[dict[str, Geography], list[Problem]]:
    """Read every configured layer; parents are resolved once all layers are read."""
    layers: dict[str, Geography] = {}
    attributes: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for layer in config.layers:
        geo, attrs, found = _read_layer(config, layer)
        problems += found
        if geo is not None:
            layers[layer.name] = geo
            attributes[layer.name] = attrs
    for layer in config.layers:
        if layer.parent and layer.name in layers and layer.parent in layers:
            problems += _assign_parents(layer, layers, attributes[layer.name])
    return layers, problems


def _read_layer(
    config: Config, layer: Layer
) -> tuple[Geography | None, pd.DataFrame, list[Problem]]:
    path = config.path(layer.file)
    fname = path.name
    where = f"{fname} (layer {layer.name})"
    if not path.is_file():
        return (
            None,
            pd.DataFrame(),
            [
                Problem(
                    f"atlas.toml layer '{layer.name}'",
                    f"boundary file {layer.file} does not exist",
                    "check the path (relative to atlas.toml)",
                )
            ],
        )
    frame = gpd.read_file(path)
    problems: list[Problem] = []
    if layer.id_field not in frame.columns:
        return (
            None,
            pd.DataFrame(),
            [
                Problem(
                    where,
                    f"id field '{layer.id_field}' is not in the file "
                    f"(fields: {', '.join(c for c in frame.columns if c != 'geometry')})",
                    "set id_field in atlas.toml to one of these",
                )
            ],
        )
    if frame.crs is None:
        return (
            None,
            pd.DataFrame(),
            [
                Problem(
                    where,
                    "the file has no coordinate reference system",
                    "save it in WGS 84 (EPSG:4326), for example with "
                    "ogr2ogr -t_srs EPSG:4326 out.geojson in.shp",
                )
            ],
        )
    if not frame.crs.equals(WGS84):
        problems.append(
            Problem(
                where,
                f"is in {frame.crs.to_string()}, not WGS 84; reprojected to EPSG:4326",
                "save the file in WGS 84 to silence this",
                "warning",
            )
        )
        frame = frame.to_crs(WGS84)
    frame = frame.assign(geo_id=_id_text(frame[layer.id_field]))
    excluded = frame["geo_id"].isin(layer.exclude)
    if excluded.any():
        problems.append(
            Problem(
                where,
                f"excluded {int(excluded.sum())} feature(s) as configured "
                f"({', '.join(sorted(frame.loc[excluded, 'geo_id']))})",
                "",
                "note",
            )
        )
        frame = frame[~excluded]
    problems += _repair_invalid(frame, layer, where)
    frame = frame.assign(geometry=_made_valid(frame, layer))
    frame, found = _one_feature_per_id(frame, layer, where)
    problems += found
    attrs, found = _attributes(config, layer)
    problems += found
    geo = _name_and_attach(frame, attrs, layer, where, problems)
    return (
        Geography(layer.name, layer.label or layer.name, geo, layer.parent or None),
        attrs,
        problems,
    )


def _id_text(values: pd.Series) -> pd.Series:
    """Ids as written in the file: 9 rather than 9.0, text unchanged."""
    if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
        values = values.astype("Int64")
    return values.astype("string").astype(object)


def _repair_invalid(frame: gpd.GeoDataFrame, layer: Layer, where: str) -> list[Problem]:
    invalid = ~frame.geometry.is_valid
    if not invalid.any():
        return []
    ids = ", ".join(sorted(set(frame.loc[invalid, "geo_id"])))
    if "make_valid" in layer.repair:
        return [
            Problem(
                where,
                f"repaired invalid geometry of id(s) {ids} (make_valid)",
                "",
                "note",
            )
        ]
    return [
        Problem(
            where,
            f"invalid geometry (for example self-intersections) in id(s) {ids}",
            f'fix the file, or accept the repair with repair = ["make_valid"] under the '
            f"layer '{layer.name}' in atlas.toml",
        )
    ]


def _made_valid(frame: gpd.GeoDataFrame, layer: Layer) -> gpd.GeoSeries:
    if "make_valid" not in layer.repair:
        return frame.geometry
    fixed = shapely.make_valid(frame.geometry.values)
    # make_valid can return collections with stray lines; keep the polygonal part.
    polygons = shapely.get_parts(fixed)
    keep = shapely.get_type_id(polygons) >= 3  # Polygon, MultiPolygon
    owner = shapely.get_parts(fixed, return_index=True)[1]
    merged = (
        pd.Series(list(polygons[keep]))
        .groupby(owner[keep])
        .agg(lambda parts: shapely.union_all(list(parts)))
    )
    return gpd.GeoSeries(merged.reindex(range(len(frame))).values, index=frame.index, crs=WGS84)


def _one_feature_per_id(
    frame: gpd.GeoDataFrame, layer: Layer, where: str
) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    counts = frame["geo_id"].value_counts()
    repeated = sorted(counts[counts > 1].index)
    if not repeated:
        return frame, []
    ids = ", ".join(repeated)
    if "dissolve" in layer.repair:
        merged = frame.dissolve(by="geo_id", as_index=False)
        note = Problem(where, f"merged the features sharing id(s) {ids} (dissolve)", "", "note")
        return merged, [note]
    return frame, [
        Problem(
            where,
            f"several features share id(s) {ids}",
            'merge them in the file, or accept the repair with repair = ["dissolve"] '
            f"under the layer '{layer.name}' in atlas.toml",
        )
    ]


def _attributes(config: Config, layer: Layer) -> tuple[pd.DataFrame, list[Problem]]:
    if not layer.attributes:
        return pd.DataFrame(columns=["geo_id"]), []
    path = config.path(layer.attributes)
    if not path.is_file():
        return pd.DataFrame(columns=["geo_id"]), [
            Problem(
                f"atlas.toml layer '{layer.name}'",
                f"attribute table {layer.attributes} does not exist",
                "check the path (relative to atlas.toml)",
            )
        ]
    attrs = pd.read_csv(path, dtype=str, keep_default_na=False)
    key = layer.attributes_id or layer.id_field
    if key not in attrs.columns:
        return pd.DataFrame(columns=["geo_id"]), [
            Problem(
                path.name,
                f"id column '{key}' is missing",
                f"set attributes_id for layer '{layer.name}' in atlas.toml",
            )
        ]
    return attrs.rename(columns={key: "geo_id"}), []


def _name_and_attach(
    frame: gpd.GeoDataFrame,
    attrs: pd.DataFrame,
    layer: Layer,
    where: str,
    problems: list[Problem],
) -> gpd.GeoDataFrame:
    """Join attributes, add features-less ids from them, and name every geography."""
    frame = frame[["geo_id", "geometry"] + ([layer.name_field] if layer.name_field else [])]
    if len(attrs):
        extra = attrs.loc[~attrs["geo_id"].isin(frame["geo_id"]), ["geo_id"]]
        if len(extra):
            problems.append(
                Problem(
                    where,
                    f"id(s) {', '.join(extra['geo_id'])} of the attribute table have no polygon; "
                    "they get pages and tables but no map",
                    "",
                    "note",
                )
            )
        unlisted = sorted(set(frame["geo_id"]) - set(attrs["geo_id"]))
        if unlisted:
            problems.append(
                Problem(
                    where,
                    f"id(s) {', '.join(unlisted)} are missing from the attribute table",
                    "add them to the attribute table",
                    "warning",
                )
            )
        frame = pd.concat([frame, extra], ignore_index=True).merge(attrs, on="geo_id", how="left")
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=WGS84)
    if layer.name_field:
        names = frame[layer.name_field].astype("string")
    elif "name" in frame.columns:
        names = frame["name"].astype("string")
    else:
        names = pd.Series([pd.NA] * len(frame), dtype="string")
    pattern = layer.name_pattern or (layer.label or layer.name) + " {id}"
    fallback = frame["geo_id"].map(lambda i: pattern.format(id=i))
    frame["geo_name"] = names.fillna(pd.Series(fallback, dtype="string")).astype(object)
    if "neighbourhoods" not in frame.columns:
        frame["neighbourhoods"] = ""
    frame["neighbourhoods"] = frame["neighbourhoods"].fillna("")
    frame["parent_id"] = None
    order = pd.to_numeric(frame["geo_id"], errors="coerce")
    frame = frame.assign(_order=order).sort_values(["_order", "geo_id"]).drop(columns="_order")
    return frame.reset_index(drop=True)


def _assign_parents(
    layer: Layer, layers: dict[str, Geography], attrs: pd.DataFrame
) -> list[Problem]:
    """parent_id from the attribute table (by parent name or id), else by position."""
    frame = layers[layer.name].frame
    parent = layers[layer.parent].frame
    if layer.parent_field and layer.parent_field in frame.columns:
        by_name = dict(zip(parent["geo_name"].str.lower(), parent["geo_id"], strict=True))
        ids = set(parent["geo_id"])
        values = frame[layer.parent_field].fillna("").astype(str)
        frame["parent_id"] = [v if v in ids else by_name.get(v.lower()) for v in values]
        return []
    points = frame.geometry.representative_point()
    hit = gpd.sjoin(
        gpd.GeoDataFrame({"i": range(len(frame))}, geometry=points.values, crs=WGS84),
        parent[["geo_id", "geometry"]],
        how="left",
        predicate="within",
    ).drop_duplicates("i")
    frame["parent_id"] = hit.sort_values("i")["geo_id"].where(points.notna().values).values
    return []
