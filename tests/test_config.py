"""atlas.toml: the exact messages a user sees for each kind of mistake."""

from __future__ import annotations

import tomllib

import pytest

from atlas.commands.init import commented_config
from atlas.config import load_config
from atlas.errors import ConfigError
from tests.conftest import TOML


def _write(tmp_path, text):
    path = tmp_path / "atlas.toml"
    path.write_text(text)
    return path


def test_reads_the_tiny_project(tmp_path):
    config = load_config(_write(tmp_path, TOML))
    assert config.title == "Tiny Atlas"
    assert config.district_layer.name == "school_district"
    assert config.housing.codes["DBL"] == "doubled_up"
    assert config.privacy.min_count == 10  # default of the model atlas
    assert config.path("data/x.csv") == (tmp_path / "data" / "x.csv").resolve()


def test_wrong_type_names_the_key(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, TOML.replace("edition = 2015", 'edition = "2015"')))
    assert str(err.value) == "atlas.toml: key 'edition' must be a whole number; got '2015'"


def test_wrong_value_lists_the_allowed_ones(tmp_path):
    text = TOML + '\n[indicators]\nchronic_absence = "texas"\n'
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, text))
    assert str(err.value) == (
        "atlas.toml: key 'indicators.chronic_absence' is 'texas'; allowed values: nyc"
    )


def test_unknown_housing_group(tmp_path):
    text = TOML.replace('HMO = "other_homeless"', 'HMO = "motel"')
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, text))
    assert str(err.value) == (
        "atlas.toml: key 'housing.codes.HMO' is 'motel'; allowed values: housed, shelter, "
        "doubled_up, unsheltered, other_homeless"
    )


def test_bad_repair_name(tmp_path):
    text = TOML.replace('parent_field = "borough"', 'parent_field = "borough"\nrepair = ["fix"]')
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, text))
    assert str(err.value) == (
        "atlas.toml: key 'layers[0].repair' is 'fix'; allowed values: make_valid, dissolve"
    )


def test_unknown_keys_are_kept_for_a_warning(tmp_path):
    config = load_config(_write(tmp_path, TOML.replace("title =", "colour = 1\ntitle =")))
    assert config.unknown_keys == ("colour",)


def test_missing_required_key(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, TOML.replace('title = "Tiny Atlas"', "")))
    assert (
        str(err.value) == "atlas.toml: key 'title' is required (the atlas's title, on every page)"
    )


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path / "atlas.toml")
    assert "no such file; run 'atlas init DIR' to start a project" in str(err.value)


def test_init_writes_a_file_the_loader_accepts_without_unknown_keys(tmp_path):
    path = _write(tmp_path, commented_config())
    tomllib.loads(path.read_text())
    config = load_config(path)
    assert config.unknown_keys == ()
    assert config.layers[0].name_pattern == "District {id}"


def test_coding_bounds_take_whole_numbers_and_must_be_in_order(tmp_path):
    config = load_config(_write(tmp_path, TOML + "\n[privacy]\ncode_below = 3\n"))
    assert config.privacy.code_below == 3.0
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, TOML + "\n[privacy]\ncode_below = 60\ncode_above = 40\n"))
    assert str(err.value) == (
        "atlas.toml: keys 'privacy.code_below' (60) and 'privacy.code_above' (40) must be "
        "percentages with code_below under code_above"
    )
