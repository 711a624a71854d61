"""The command line: exact messages and exit codes a user sees."""

from __future__ import annotations

import os

from click.testing import CliRunner

from atlas.cli import main
from tests.conftest import write_project


def _run(args, cwd=None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, args)
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, args)
    finally:
        os.chdir(old)


def test_validate_lists_every_problem_and_exits_1(tmp_path, tiny_rows):
    rows = [dict(r) for r in tiny_rows]
    rows[0]["housing_status"] = "MOTEL"
    rows[1]["days_enrolled"] = "-3"
    write_project(tmp_path, rows)
    result = _run(["validate"], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.output == (
        "error: 2 problem(s) in the inputs:\n"
        "  - enrollment.csv row 1: housing_status 'MOTEL' is not a known code; map it under "
        "[housing.codes] in atlas.toml\n"
        "  - enrollment.csv row 2: days_enrolled is negative; correct these values\n"
    )


def test_validate_passes_and_writes_nothing(tmp_path, tiny_rows):
    write_project(tmp_path, tiny_rows)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = _run(["validate", "--config", str(tmp_path / "atlas.toml")])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == (
        "The inputs are valid: 5 enrollment rows, 4 schools, 1 shelters."
    )
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_missing_config_exits_1(tmp_path):
    result = _run(["build"], cwd=tmp_path)
    assert result.exit_code == 1
    assert result.output == (
        "error: atlas.toml: no such file; run 'atlas init DIR' to start a project, "
        "or pass --config FILE\n"
    )


def test_usage_errors_exit_2(tmp_path):
    assert _run(["build", "--no-such-flag"]).exit_code == 2
    result = _run(["demo", "--first-year", "2010-12", "--out", str(tmp_path / "d")])
    assert result.exit_code == 2
    assert "'2010-12' is not a school year like 2010-11" in result.output
    assert not (tmp_path / "d").exists()


def test_init_writes_a_project_that_refuses_to_be_overwritten(tmp_path):
    result = _run(["init", str(tmp_path / "mine")])
    assert result.exit_code == 0
    assert (tmp_path / "mine" / "atlas.toml").is_file()
    assert (tmp_path / "mine" / "data").is_dir()
    again = _run(["init", str(tmp_path / "mine")])
    assert again.exit_code == 1
    assert "already exists; choose an empty folder" in again.output
