"""Waivers: an unexpired one waives a failing item, an expired one fails it and says since when."""

import datetime

from gate_projects import CHECKLIST, OBJECTIVES, build, by_id, policy
from planner import load as load_project

FAILING = {"specs/objectives.yaml": OBJECTIVES.replace("target: 0.7", "target: 0.8")}
OPEN = {"specs/data.yaml": CHECKLIST + "  - {id: bias, question: Is bias checked?}\n"}


def waivers(*entries: tuple[str, str]) -> dict:
    text = "waivers:\n" + "".join(
        f"  - {{item: {item}, reason: Agreed., approver: ro@example.com, expires: {expires}}}\n"
        for item, expires in entries
    )
    return {"specs/policy.yaml": policy(waivers=text)}


def test_an_unexpired_waiver_waives_a_failing_item(decide):
    decision = decide({**FAILING, **waivers(("O1", "2026-06-30"))})
    assert decision.passed and decision.failures == []
    (item,) = [i for i in decision.items if i.id == "O1"]
    assert (item.status, item.why) == (
        "waived",
        "roc_auc = 0.75, target at least 0.8; waived by ro@example.com until 2026-06-30",
    )
    assert item.waiver == {
        "item": "O1",
        "reason": "Agreed.",
        "approver": "ro@example.com",
        "expires": "2026-06-30",
        "expired": False,
        "used": True,
        "file": item.waiver["file"],
        "line": 5,
    }
    assert [(w.item, w.expired, w.used) for w in decision.waivers] == [("O1", False, True)]


def test_a_waiver_is_valid_through_its_last_day(decide):
    decision = decide({**FAILING, **waivers(("O1", "2026-06-30"))}, today=datetime.date(2026, 6, 30))
    assert by_id(decision)["O1"][0] == "waived"


def test_an_expired_waiver_fails_the_item_with_its_date(decide):
    decision = decide({**FAILING, **waivers(("O1", "2026-01-31"))})
    assert not decision.passed
    assert [(i.id, i.status, i.why, i.waiver["expired"]) for i in decision.failures] == [
        ("O1", "fail", "roc_auc = 0.75, target at least 0.8; waiver expired on 2026-01-31", True)
    ]
    assert [(w.item, w.expired, w.used) for w in decision.waivers] == [("O1", True, False)]


def test_an_expired_waiver_of_a_passing_item_is_reported_but_does_not_fail(decide):
    decision = decide(waivers(("O1", "2026-01-31")))
    assert decision.passed and by_id(decision)["O1"] == ("pass", "roc_auc = 0.75, target at least 0.7")
    assert decision.to_dict()["waivers"][0]["expired"] is True
    assert decision.to_dict()["waivers"][0]["used"] is False


def test_the_unexpired_of_two_waivers_wins(decide):
    decision = decide({**FAILING, **waivers(("O1", "2026-01-31"), ("O1", "2026-12-31"))})
    assert by_id(decision)["O1"][1].endswith("waived by ro@example.com until 2026-12-31")
    assert [w.used for w in decision.waivers] == [False, True]


def test_a_waiver_of_a_checklist_covers_its_items(decide):
    decision = decide({**OPEN, **waivers(("D1", "2026-06-30"))})
    assert decision.passed
    assert by_id(decision)["D1.bias"] == (
        "waived",
        "open: neither done nor n/a; waived by ro@example.com until 2026-06-30",
    )
    assert by_id(decision)["D1.consent"] == ("pass", "done")


def test_a_waiver_of_an_unknown_item_is_a_validation_error(tmp_path):
    root = build(tmp_path / "p", waivers(("D1.consnt", "2026-06-30")))
    errors = [d for d in load_project(root).diagnostics if d.is_error]
    assert [(d.code, d.message, d.hint, d.line, d.column, d.breadcrumb) for d in errors] == [
        ("unresolved-ref", "'D1.consnt' does not exist", "did you mean 'D1.consent'?", 5, 12, "waivers[0].item")
    ]
    assert errors[0].file.endswith("specs/policy.yaml")
