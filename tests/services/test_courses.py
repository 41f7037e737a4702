"""Courses service: join codes, membership, roster, co-instructors, assignments, status."""

from __future__ import annotations

import pytest

from edu.extensions import db
from edu.models import Enrolment
from edu.services import courses
from tests.course_factories import at, make_attempt, make_case, make_user
from tests.factories import create_course, enrol


@pytest.fixture
def owner(app):
    return make_user("instructor", name="Irene Instructor")


@pytest.fixture
def course(owner):
    return courses.create_course(owner, "  HER2 module  ")


class TestCreateAndJoin:
    def test_creating_a_course_enrols_its_owner_as_instructor(self, owner, course):
        assert course.title == "HER2 module"
        assert courses.membership(course, owner) == courses.Membership(role="instructor")
        assert [(e.name, e.role) for e in courses.roster(course)] == [
            ("Irene Instructor", "instructor")
        ]
        assert len(course.secret) >= 32

    def test_join_codes_avoid_characters_people_confuse(self, owner):
        codes = {courses.create_course(owner, f"c{i}").join_code for i in range(20)}
        assert len(codes) == 20
        for code in codes:
            assert len(code) == courses.JOIN_CODE_LENGTH
            assert not set(code) & set("01OIL")
            assert set(code) <= set(courses.JOIN_CODE_ALPHABET)

    def test_a_resident_joins_by_code_typed_loosely(self, course):
        resident = make_user("resident")
        loose = f" {course.join_code[:4].lower()}-{course.join_code[4:]} "
        joined_course, joined = courses.join_course(resident, loose)
        assert (joined_course.id, joined) == (course.id, True)
        assert courses.membership(course, resident).role == "resident"

    def test_joining_twice_keeps_one_enrolment(self, course):
        resident = make_user("resident")
        courses.join_course(resident, course.join_code)
        assert courses.join_course(resident, course.join_code) == (course, False)
        assert db.session.query(Enrolment).filter_by(course_id=course.id).count() == 2

    def test_an_instructor_following_their_own_link_stays_instructor(self, owner, course):
        assert courses.join_course(owner, course.join_code) == (course, False)
        assert courses.membership(course, owner).role == "instructor"

    @pytest.mark.parametrize("code", ["", "   ", "NOPE2345"])
    def test_an_unknown_code_is_refused(self, course, code):
        with pytest.raises(courses.UnknownJoinCode):
            courses.join_course(make_user("resident"), code)


class TestMembership:
    def test_roles(self, owner, course):
        resident = make_user("resident")
        enrol(course, resident)
        admin = make_user("admin")
        outsider = make_user("instructor")
        assert courses.membership(course, owner).can_manage
        member = courses.membership(course, resident)
        assert member.is_member and not member.can_manage
        admin_view = courses.membership(course, admin)
        assert admin_view.role is None and admin_view.can_manage and admin_view.is_member
        assert not courses.membership(course, outsider).is_member


class TestRosterAndInstructors:
    def test_roster_lists_instructors_first_then_residents_by_name(self, owner, course):
        for name in ("zara Z", "Adam A", "Mia M"):
            enrol(course, make_user("resident", name=name))
        names = [(e.role, e.name) for e in courses.roster(course)]
        assert names == [
            ("instructor", "Irene Instructor"),
            ("resident", "Adam A"),
            ("resident", "Mia M"),
            ("resident", "zara Z"),
        ]
        assert [e.name for e in courses.roster(course, offset=1, limit=2)] == ["Adam A", "Mia M"]
        assert courses.member_count(course) == {"resident": 3, "instructor": 1}

    def test_a_co_instructor_is_added_by_email_in_any_case(self, course):
        colleague = make_user("instructor", email="Colleague@Test.edu")
        assert courses.add_co_instructor(course, " colleague@test.EDU ") == colleague
        assert courses.membership(course, colleague).can_manage

    def test_a_resident_of_the_course_who_became_instructor_is_promoted_in_place(self, course):
        user = make_user("resident")
        enrol(course, user)
        user.role = "instructor"
        db.session.commit()
        courses.add_co_instructor(course, user.email)
        assert courses.membership(course, user).role == "instructor"
        assert courses.member_count(course) == {"resident": 0, "instructor": 2}

    def test_unknown_email_and_resident_accounts_are_refused(self, course):
        with pytest.raises(courses.UnknownUser):
            courses.add_co_instructor(course, "nobody@test.edu")
        resident = make_user("resident")
        with pytest.raises(courses.NotAnInstructor):
            courses.add_co_instructor(course, resident.email)
        assert not courses.membership(course, resident).is_member


class TestAssignments:
    def test_assigning_with_due_date_and_canvas_id_then_updating(self, course):
        case = make_case("her2-first-line", "HER2 first line")
        quiz = make_case("her2-quiz-1", "HER2 quiz 1", kind="quiz")
        first = courses.assign(course, case.id, due_at=at(60), canvas_assignment_id=" 48213 ")
        second = courses.assign(course, quiz.id)
        assert (first.due_at, first.canvas_assignment_id) == (at(60), "48213")
        assert [a.id for a in courses.course_assignments(course)] == [first.id, second.id]
        again = courses.assign(course, case.id, due_at=None, canvas_assignment_id="")
        assert again.id == first.id
        assert (again.due_at, again.canvas_assignment_id) == (None, None)
        assert len(courses.course_assignments(course)) == 2

    def test_only_published_cases_can_be_assigned(self, course):
        draft = make_case("draft-case", published=False)
        with pytest.raises(courses.UnknownCase):
            courses.assign(course, draft.id)
        with pytest.raises(courses.UnknownCase):
            courses.assign(course, 999_999)
        assert [c.slug for c in courses.assignable_cases()] == []

    def test_assignable_cases_are_listed_by_title(self, course):
        make_case("b", "Beta case")
        make_case("a", "alpha quiz", kind="quiz")
        assert [(c.slug, c.kind) for c in courses.assignable_cases()] == [
            ("a", "quiz"),
            ("b", "case"),
        ]

    def test_unassign_removes_only_this_courses_assignment(self, owner, course):
        case = make_case("her2-first-line")
        assignment = courses.assign(course, case.id)
        other = create_course(owner, "Other")
        with pytest.raises(courses.UnknownAssignment):
            courses.unassign(other, assignment.id)
        courses.unassign(course, assignment.id)
        assert courses.course_assignments(course) == []

    def test_settings_are_stored(self, course):
        courses.update_settings(
            course, leaderboard_visible=True, late_attempts_count=False, pseudonyms=True
        )
        db.session.expire_all()
        stored = courses.get_course(course.id)
        assert (stored.leaderboard_visible, stored.late_attempts_count, stored.pseudonyms) == (
            True,
            False,
            True,
        )


class TestResidentView:
    def test_my_courses_lists_role_and_counts(self, owner, course):
        resident = make_user("resident")
        enrol(course, resident)
        courses.assign(course, make_case("c1").id)
        create_course(owner, "Not mine")
        (summary,) = courses.my_courses(resident)
        assert (summary.id, summary.title, summary.role) == (course.id, "HER2 module", "resident")
        assert (summary.assignments, summary.residents) == (1, 1)
        assert {s.title for s in courses.my_courses(owner)} == {"HER2 module", "Not mine"}

    def test_statuses(self, course):
        resident = make_user("resident")
        enrol(course, resident)
        fresh = courses.assign(course, make_case("fresh", "Fresh").id)
        playing = make_case("playing", "Playing")
        courses.assign(course, playing.id, due_at=at(1000))
        done = make_case("done", "Done")
        courses.assign(course, done.id, due_at=at(1000))
        overdue = courses.assign(course, make_case("overdue", "Overdue").id, due_at=at(100)).id
        late = make_case("late", "Late")
        courses.assign(course, late.id, due_at=at(100))

        make_attempt(resident, playing, course, status="in_progress", completed_at=None)
        make_attempt(resident, done, course, points=12, completed_at=at(10))
        make_attempt(resident, done, course, points=18, completed_at=at(20))
        make_attempt(resident, late, course, points=9, completed_at=at(200))
        # Neither a preview nor an attempt outside the course changes the status.
        make_attempt(resident, done, course, points=20, completed_at=at(30), preview=True)
        make_attempt(resident, done, None, points=20, completed_at=at(30))

        statuses = {s.slug: s for s in courses.assignment_statuses(course, resident, now=at(500))}
        assert [s.assignment_id for s in statuses.values()][0] == fresh.id
        assert statuses["fresh"].status == courses.NOT_STARTED
        assert statuses["playing"].status == courses.IN_PROGRESS
        assert statuses["playing"].open_attempt
        assert statuses["done"].status == courses.COMPLETED
        assert (statuses["done"].best_points, statuses["done"].best_max_points) == (18, 20)
        assert statuses["overdue"].status == courses.LATE
        assert statuses["overdue"].best_points is None
        assert statuses["late"].status == courses.LATE
        assert (statuses["late"].best_points, statuses["late"].counts) == (9, True)
        assert overdue == statuses["overdue"].assignment_id

    def test_a_late_completion_does_not_count_when_the_course_says_so(self, course):
        resident = make_user("resident")
        enrol(course, resident)
        case = make_case("late")
        courses.assign(course, case.id, due_at=at(100))
        course.late_attempts_count = False
        make_attempt(resident, case, course, points=9, completed_at=at(200))
        (status,) = courses.assignment_statuses(course, resident, now=at(300))
        assert (status.status, status.best_points, status.counts) == (courses.LATE, 9, False)

    def test_completion_counts_count_residents_once(self, owner, course):
        case = make_case("c")
        assignment = courses.assign(course, case.id)
        a, b = make_user("resident"), make_user("resident")
        enrol(course, a)
        enrol(course, b)
        make_attempt(a, case, course, points=5, completed_at=at(1))
        make_attempt(a, case, course, points=7, completed_at=at(2))
        make_attempt(b, case, course, status="in_progress")
        make_attempt(owner, case, course, points=20, completed_at=at(3))
        assert courses.completion_counts(course) == {assignment.id: 1}
