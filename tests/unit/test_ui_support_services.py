"""Service details the UI relies on."""

from __future__ import annotations

from tests.conftest import School
from tracker.services.activities import ActivityInput


def test_activity_summary_tells_co_leads_from_leads(school: School) -> None:
    s = school.services
    made = s.activities.create_activity(
        school.admin,
        ActivityInput("Robotics", lead_ids=[school.teacher.id], co_lead_ids=[school.other_teacher.id]),
    )
    assert set(made.lead_ids) == {school.teacher.id, school.other_teacher.id}
    assert made.co_lead_ids == (school.other_teacher.id,)
    again = s.activities.get_activity(school.admin, made.id)
    assert again.co_lead_ids == (school.other_teacher.id,)


def test_find_users_lists_each_link_once_when_the_list_is_long(school: School) -> None:
    """Users are read in chunks of 900; a link whose two ends fall in different chunks
    was reported twice."""
    from tracker.domain.enums import Role
    from tracker.services.people import UserInput

    s = school.services
    for i in range(950):
        s.people.create_user(school.admin, UserInput(f"filler{i}", f"Filler {i}", Role.STUDENT))
    late = s.people.create_user(school.admin, UserInput("late", "Late Student", Role.STUDENT))
    s.people.link_guardian(school.admin, school.parent.id, late.id)
    everyone = {u.id: u for u in s.people.find_users(school.admin)}
    assert everyone[school.parent.id].children == tuple(sorted({school.student.id, late.id}))
    assert everyone[late.id].guardians == (school.parent.id,)
