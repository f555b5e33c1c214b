"""`planner audit`: bias-audit specs computed end to end, checked against fairlearn."""

import json
import shutil

import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_ratio, equal_opportunity_difference, equalized_odds_difference

from helpers import REPO, run_cli
from planner.source.yaml_documents import dump, parse_documents

ADULT = REPO / "examples" / "adult-income"


def _strict_json(text: str):
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture(scope="module")
def adult_json():
    import contextlib
    import io

    from planner.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as exit_info:
        main(["audit", str(ADULT), "--format", "json"])
    return exit_info.value.code, _strict_json(out.getvalue())


def test_breached_limits_exit_1_with_their_ids(adult_json):
    code, payload = adult_json
    assert code == 1 and payload["status"] == "fail"
    (audit,) = payload["audits"]
    assert [(limit["id"], limit["status"]) for limit in audit["limits"]] == [
        ("A1.demographic_parity_ratio.sex", "fail"),
        ("A1.equalized_odds_difference.sex", "pass"),
        ("A1.equal_opportunity_difference.race", "fail"),
    ]
    assert audit["rows"] == len(pd.read_csv(ADULT / "data" / "predictions.csv"))


def test_limit_values_match_fairlearn(adult_json):
    frame = pd.read_csv(ADULT / "data" / "predictions.csv")
    y, p = frame["income_over_50k"], frame["prediction"]
    limits = {limit["id"]: limit for limit in adult_json[1]["audits"][0]["limits"]}
    oracle = {
        "A1.demographic_parity_ratio.sex": demographic_parity_ratio(y, p, sensitive_features=frame["sex"]),
        "A1.equalized_odds_difference.sex": equalized_odds_difference(y, p, sensitive_features=frame["sex"]),
        "A1.equal_opportunity_difference.race": equal_opportunity_difference(y, p, sensitive_features=frame["race"]),
    }
    for limit_id, expected in oracle.items():
        (finding,) = limits[limit_id]["findings"]
        assert finding["observed"] == pytest.approx(expected, abs=1e-9)


def test_text_output_names_every_limit(capsys):
    code, out, _ = run_cli(capsys, "audit", str(ADULT))
    assert code == 1
    for limit_id in (
        "A1.demographic_parity_ratio.sex",
        "A1.equalized_odds_difference.sex",
        "A1.equal_opportunity_difference.race",
    ):
        assert limit_id in out
    assert "status: fail" in out and "by race & sex" in out


def _copy(tmp_path):
    project = tmp_path / "adult"
    shutil.copytree(ADULT, project, ignore=shutil.ignore_patterns("mlruns", "results"))
    return project


def test_missing_column_names_the_file_and_the_spec_line(tmp_path, capsys):
    project = _copy(tmp_path)
    audit = project / "specs" / "bias-audit.yaml"
    audit.write_text(
        audit.read_text()
        .replace("sensitive_features: [sex, race]", "sensitive_features: [sex, rcae]")
        .replace("race: White", "rcae: White")
        .replace("- [race, sex]", "- [rcae, sex]")
        .replace("feature: race", "feature: rcae")
    )
    policy = project / "specs" / "policy.yaml"  # its waiver names the race limit by id
    policy.write_text(policy.read_text().replace("difference.race", "difference.rcae"))
    code, out, _ = run_cli(capsys, "audit", str(project))
    assert code == 2
    line = next(n for n, text in enumerate(audit.read_text().splitlines(), 1) if text.startswith("sensitive_features"))
    first = out.splitlines()[0]
    assert first.startswith(f"{audit}:{line}:")
    assert "error[audit-input] data/predictions.csv: " in first and "'rcae'" in first
    assert "hint: did you mean 'race'?" in out


def test_missing_predictions_file(tmp_path, capsys):
    project = _copy(tmp_path)
    (project / "data" / "predictions.csv").unlink()
    code, out, _ = run_cli(capsys, "audit", str(project))
    assert code == 2
    assert "error[missing-file] predictions file data/predictions.csv does not exist" in out


def test_duckdb_engine_gives_the_same_limits_on_parquet(tmp_path, capsys):
    pytest.importorskip("duckdb")
    project = _copy(tmp_path)
    pd.read_csv(project / "data" / "predictions.csv").to_parquet(project / "data" / "predictions.parquet")
    audit = project / "specs" / "bias-audit.yaml"
    (spec,) = [d.data for d in parse_documents(audit.read_text(), str(audit))]
    # DuckDB counts cells only: no score metrics, no cost curves
    spec = {k: v for k, v in spec.items() if k not in ("score", "costs")} | {"predictions": "data/predictions.parquet"}
    audit.write_text(dump(spec))
    results = {}
    for engine in ("pandas", "duckdb"):
        code, out, _ = run_cli(capsys, "audit", str(project), "--format", "json", "--engine", engine)
        assert code == 1, out
        limits = _strict_json(out)["audits"][0]["limits"]
        results[engine] = [
            (limit["id"], limit["status"], [f["observed"] for f in limit["findings"]]) for limit in limits
        ]
    assert results["pandas"] == results["duckdb"]


def test_emit_sql_prints_a_grouped_count(capsys):
    code, out, _ = run_cli(capsys, "audit", str(ADULT), "--emit-sql", "predictions")
    assert code == 0
    assert out.startswith("-- A1\n") and "GROUP BY" in out.upper() and "predictions" in out


def _many_groups(tmp_path, groups: int, max_groups: int | None):
    from helpers import write_project

    rows = "".join(f"{i % 2},{(i // 2) % 2},g{i % groups}\n" for i in range(groups * 4))
    spec = (
        "kind: bias-audit\nid: A1\npredictions: p.csv\nlabel: y\nprediction: yhat\nsensitive_features: [g]\n"
        "bootstrap: {samples: 100}\nmin_group_size: 1\n" + (f"max_groups: {max_groups}\n" if max_groups else "")
    )
    return write_project(tmp_path / "p", {"p.csv": "y,yhat,g\n" + rows, "specs/audit.yaml": spec})


def test_a_feature_with_more_groups_than_max_groups_stops_at_its_spec_line(tmp_path, capsys):
    code, out, _ = run_cli(capsys, "audit", str(_many_groups(tmp_path, 1500, None)))
    assert code == 2
    assert "error[audit-input] p.csv: column 'g' in " in out
    assert "p.csv has 1,500 groups, more than the 1,000 an audit allows" in out
    assert "specs/audit.yaml:6:" in out and "raise the audit's max_groups" in out


def test_max_groups_raises_the_limit(tmp_path, capsys):
    code, out, _ = run_cli(capsys, "audit", str(_many_groups(tmp_path, 1500, 2000)), "--format", "json")
    assert code == 0
    (audit,) = json.loads(out)["audits"]
    assert len(audit["groupings"][0]["groups"]) == 1500
