"""Research measures, and the Attendance Works tiers.

* From the evaluation of New York City's attendance campaign (Balfanz and Byrnes,
  *Meeting the Challenge of Combating Chronic Absenteeism*, Everyone Graduates Center,
  Johns Hopkins University, 2013), on NYC Department of Education attendance, where
  suspension days are not absences: **severely chronically absent** when attendance
  (days present over days enrolled) is under 80%; a **good attender** at 95% or better.
* Attendance Works tiers, by the share of enrolled days missed for any reason,
  suspension included: satisfactory under 5%; at risk 5% to under 10%; moderate
  chronic absence 10% to under 20%; severe chronic absence 20% or more.

At exactly 20% missed a student is severe for Attendance Works and not for the
research measure (attendance of exactly 80% is not under 80%): each follows its source.
"""

from __future__ import annotations

from fractions import Fraction

from atlas.rules import Measure, Pack, k12, missed_days, share_at_least


def _attendance_under(sy, pct: Fraction):  # type: ignore[no-untyped-def]
    """Present (enrolled less absent) under ``pct`` percent of enrolled days."""
    return ~share_at_least(sy.days_enrolled - sy.days_absent, sy.days_enrolled, pct)


def _tier(low: str | None, high: str | None) -> Measure:
    def event(sy, p):  # type: ignore[no-untyped-def]
        missed = missed_days(sy)
        ok = None
        if low is not None:
            ok = share_at_least(missed, sy.days_enrolled, p[low])
        if high is not None:
            under = ~share_at_least(missed, sy.days_enrolled, p[high])
            ok = under if ok is None else ok & under
        return ok

    name = {
        (None, "at_risk_from_percent"): "satisfactory",
        ("at_risk_from_percent", "moderate_from_percent"): "at_risk",
        ("moderate_from_percent", "severe_from_percent"): "moderate",
        ("severe_from_percent", None): "severe",
    }[(low, high)]
    return Measure(f"tier_{name}_research", population=lambda sy, p: k12(sy), event=event)


PACK = Pack(
    name="research",
    title="Research measures and Attendance Works tiers",
    agency="Everyone Graduates Center, Johns Hopkins University; Attendance Works",
    document="Balfanz and Byrnes, Meeting the Challenge of Combating Chronic Absenteeism: "
    "Impact of the NYC Mayor's Interagency Task Force on Chronic Absenteeism and School "
    "Attendance (2013); Attendance Works, tiers of attendance",
    years="the evaluation covers 2010-11 to 2012-13; the tiers are in use since about 2014",
    rule="Severely chronically absent when attendance (days present over days enrolled; "
    "suspension days are not absences, as in NYC's records) is under 80%; a good "
    "attender at 95% or better. Attendance Works tiers by share of enrolled days missed "
    "for any reason, suspension included: satisfactory under 5%, at risk 5% to under "
    "10%, moderate 10% to under 20%, severe 20% or more. At exactly 20% missed a student "
    "is severe for Attendance Works and not for the research measure.",
    fields=("days_enrolled", "days_absent", "days_suspended"),
    defaults={
        "severe_under_percent": Fraction(80),
        "good_from_percent": Fraction(95),
        "at_risk_from_percent": Fraction(5),
        "moderate_from_percent": Fraction(10),
        "severe_from_percent": Fraction(20),
    },
    headline="severe_absence_research",
    measures=(
        Measure(
            "severe_absence_research",
            population=lambda sy, p: k12(sy),
            event=lambda sy, p: _attendance_under(sy, p["severe_under_percent"]),
        ),
        Measure(
            "good_attendance_research",
            population=lambda sy, p: k12(sy),
            event=lambda sy, p: share_at_least(
                sy.days_enrolled - sy.days_absent, sy.days_enrolled, p["good_from_percent"]
            ),
        ),
        _tier(None, "at_risk_from_percent"),
        _tier("at_risk_from_percent", "moderate_from_percent"),
        _tier("moderate_from_percent", "severe_from_percent"),
        _tier("severe_from_percent", None),
    ),
)
