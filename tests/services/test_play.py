"""The play service: attempts persist, choices are scored once, the path drives the patient."""

import threading
import time
from dataclasses import fields
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm.exc import StaleDataError

from edu.extensions import db
from edu.models import Attempt, CaseRecord, Choice
from edu.models.best_attempts import BestAttempt
from edu.services import catalog, feedback, play, prepared
from tests.conftest import make_test_app
from tests.course_factories import at, make_attempt
from tests.factories import create_course, create_user, enrol, sync_fixture_cases
from tests.races import race_decisions
from tests.statements import every_statement, pool_checkouts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "play"
FULL_SCHEME = {"preferred": 10, "acceptable": 5, "not_recommended": 0, "contraindicated": 0}


@pytest.fixture
def short_case(app):
    return sync_fixture_cases(FIXTURES / "play-short.md")[0]


@pytest.fixture
def quiz(app):
    return sync_fixture_cases(FIXTURES / "play-quiz.md")[0]


@pytest.fixture
def resident(app):
    return create_user("resident")


def walk_to_first_decision(attempt, user):
    return play.advance(attempt.id, user.id, 0)


def course_attempt_at_first_decision(case, resident):
    """A new course with ``resident`` enrolled, and their attempt at ``case``'s first
    decision in it."""
    course = create_course(create_user("instructor"))
    enrol(course, resident)
    attempt = play.start_attempt(resident.id, case, course_id=course.id)
    return course, walk_to_first_decision(attempt, resident)


class TestStartAndResume:
    def test_a_new_attempt_pins_the_case_and_guideline_versions(self, short_case, resident):
        attempt = play.start_attempt(resident.id, short_case)
        assert attempt.case_version_id == short_case.published_version_id
        assert attempt.guideline_version == "her2-mbc-2026.1"
        assert attempt.path == [["start", None]]

    def test_starting_again_resumes_the_open_attempt(self, short_case, resident):
        first = play.start_attempt(resident.id, short_case)
        walk_to_first_decision(first, resident)
        again = play.start_attempt(resident.id, short_case)
        assert again.id == first.id
        assert again.current_node == "first-line"

    def test_restart_abandons_the_open_attempt(self, short_case, resident):
        first = play.start_attempt(resident.id, short_case)
        fresh = play.start_attempt(resident.id, short_case, restart=True)
        assert fresh.id != first.id
        assert db.session.get(Attempt, first.id).status == "abandoned"

    def test_someone_elses_attempt_is_not_found(self, short_case, resident):
        attempt = play.start_attempt(resident.id, short_case)
        other = create_user("resident")
        with pytest.raises(play.AttemptNotFound):
            play.get_attempt(attempt.id, other.id)


class TestDeciding:
    def test_preferred_choice_scores_full_marks_and_reaches_the_ending(self, short_case, resident):
        attempt = walk_to_first_decision(play.start_attempt(resident.id, short_case), resident)
        outcome = play.decide(attempt.id, resident.id, 1, "THP_DOCETAXEL")
        assert outcome.recorded
        assert (outcome.choice.verdict, outcome.choice.points, outcome.choice.max_points) == (
            "preferred",
            10,
            10,
        )
        assert outcome.choice.guideline_version == "her2-mbc-2026.1"
        assert attempt.status == "completed"
        assert attempt.points == 10

    def test_contraindicated_choice_is_a_safety_error_with_its_pitfall(self, short_case, resident):
        attempt = walk_to_first_decision(play.start_attempt(resident.id, short_case), resident)
        choice = play.decide(attempt.id, resident.id, 1, "ANTHRACYCLINE_TRASTUZUMAB").choice
        assert choice.verdict == "contraindicated"
        assert choice.safety_error is True
        assert choice.points == 0
        assert "P2" in choice.pitfalls

    def test_a_replayed_decision_is_stored_once_and_never_changed(self, short_case, resident):
        attempt = walk_to_first_decision(play.start_attempt(resident.id, short_case), resident)
        play.decide(attempt.id, resident.id, 1, "TH_TAXANE")
        replay = play.decide(attempt.id, resident.id, 1, "THP_DOCETAXEL")
        assert replay.recorded is False
        assert replay.choice.option_code == "TH_TAXANE"
        assert db.session.scalar(select(func.count()).select_from(Choice)) == 1

    def test_a_course_points_scheme_scores_the_decision(self, short_case, resident):
        # The scheme is read in the same query as the attempt (a JSON column through a
        # scalar subquery): it must arrive as a mapping, not as text.
        course = create_course(create_user("instructor"), points_scheme={**FULL_SCHEME, "not_recommended": 3})
        enrol(course, resident)
        attempt = play.start_attempt(resident.id, short_case, course_id=course.id)
        walk_to_first_decision(attempt, resident)
        attempt_id, user_id = attempt.id, resident.id
        db.session.expunge_all()  # as a new request: the attempt is loaded again
        choice = play.decide(attempt_id, user_id, 1, "TH_TAXANE").choice
        assert (choice.verdict, choice.points) == ("not_recommended", 3)

    def test_replaying_an_earlier_step_answers_with_its_stored_choice(self, short_case, resident):
        attempt = walk_to_first_decision(play.start_attempt(resident.id, short_case), resident)
        play.decide(attempt.id, resident.id, 1, "TH_TAXANE")
        play.advance(attempt.id, resident.id, 2)
        attempt_id, user_id = attempt.id, resident.id
        db.session.expunge_all()
        replay = play.decide(attempt_id, user_id, 1, "THP_DOCETAXEL")
        assert (replay.recorded, replay.choice.option_code) == (False, "TH_TAXANE")
        with pytest.raises(play.InvalidChoice):  # a narrative step has no choice to replay
            play.decide(attempt_id, user_id, 2, "THP_DOCETAXEL")

    def test_a_stale_step_is_refused(self, short_case, resident):
        attempt = play.start_attempt(resident.id, short_case)
        with pytest.raises(play.InvalidChoice):
            play.decide(attempt.id, resident.id, 5, "THP_DOCETAXEL")

    def test_an_option_the_decision_does_not_offer_is_refused(self, short_case, resident):
        attempt = walk_to_first_decision(play.start_attempt(resident.id, short_case), resident)
        with pytest.raises(play.InvalidChoice):
            play.decide(attempt.id, resident.id, 1, "T_DXD")

    def test_advancing_twice_from_the_same_step_moves_once(self, short_case, resident):
        attempt = play.start_attempt(resident.id, short_case)
        play.advance(attempt.id, resident.id, 0)
        play.advance(attempt.id, resident.id, 0)
        assert [entry[0] for entry in attempt.path] == ["start", "first-line"]

    def test_the_second_line_is_judged_on_the_patient_the_learner_made(self, short_case, resident):
        attempt = walk_to_first_decision(play.start_attempt(resident.id, short_case), resident)
        play.decide(attempt.id, resident.id, 1, "TH_TAXANE")
        play.advance(attempt.id, resident.id, 2)
        choice = play.decide(attempt.id, resident.id, 3, "T_DM1").choice
        # After progression on trastuzumab + taxane this is line 2: T-DXd is preferred, T-DM1 is not.
        assert choice.verdict == "not_recommended"
        assert "P6" in choice.pitfalls
        view = feedback.feedback_view(attempt, choice)
        assert any("Trastuzumab deruxtecan" in label for label in view.preferred)


class TestWhatADecisionStores:
    """A decision reads the attempt as a copy and writes its two rows with Core statements
    (``play._store_decision``): the rows, the copies it returns, an ``Attempt`` the caller
    holds and the best-attempt table must all agree."""

    def test_the_copies_returned_are_what_the_database_holds(self, short_case, resident):
        attempt = walk_to_first_decision(play.start_attempt(resident.id, short_case), resident)
        version = attempt.lock_version
        outcome = play.decide(attempt.id, resident.id, 1, "TH_TAXANE")
        now, choice = outcome.attempt, outcome.choice
        assert now.lock_version == version + 1 and choice.id is not None
        returned = {
            "attempt": (now.path, now.current_node, now.points, now.status, now.lock_version,
                        now.updated_at),
            "choice": (choice.id, choice.step, choice.verdict, choice.points, choice.rule,
                       choice.pitfalls, choice.decided_at),
        }  # fmt: skip
        # The Attempt this session held was expired by the commit: it reads the new row.
        assert attempt.lock_version == version + 1
        attempt_id, choice_id, user_id = attempt.id, choice.id, resident.id
        db.session.expunge_all()
        a = db.session.get(Attempt, attempt_id)
        c = db.session.get(Choice, choice_id)
        assert returned == {
            "attempt": (a.path, a.current_node, a.points, a.status, a.lock_version, a.updated_at),
            "choice": (c.id, c.step, c.verdict, c.points, c.rule, c.pitfalls, c.decided_at),
        }
        assert a.path[1] == ["first-line", "TH_TAXANE"]
        assert play.read_attempt(attempt_id, user_id) == now

    def test_a_quiz_answer_stores_an_empty_rule(self, quiz, resident):
        attempt = play.start_attempt(resident.id, quiz)
        choice_id = play.decide(attempt.id, resident.id, 0, "A").choice.id
        db.session.expunge_all()
        assert db.session.get(Choice, choice_id).rule == ""

    def test_an_attempt_moved_on_by_another_request_is_not_written(self, short_case, resident):
        attempt = walk_to_first_decision(play.start_attempt(resident.id, short_case), resident)
        copy = play.read_attempt(attempt.id, resident.id)
        # Another request moves the attempt on between our read and our write (on a
        # connection of its own: the copy keeps the version it read).
        table = Attempt.__table__
        with db.engine.begin() as other:
            other.execute(
                table.update()
                .where(table.c.id == attempt.id)
                .values(lock_version=table.c.lock_version + 1)
            )
        attempt_id, user_id = attempt.id, resident.id
        with pytest.raises(StaleDataError):
            play._store_decision(
                copy,
                play.document_of(copy),
                play._score_case_choice(copy, play.document_of(copy), 1, "TH_TAXANE")[0],
                [["start", None], ["first-line", "TH_TAXANE"], ["progression", None]],
            )
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Choice)) == 0
        assert db.session.get(Attempt, attempt_id).path == [["start", None], ["first-line", None]]
        assert play.decide(attempt_id, user_id, 1, "TH_TAXANE").recorded

    def test_finishing_a_course_attempt_makes_it_the_learners_best(self, short_case, resident):
        course, first = course_attempt_at_first_decision(short_case, resident)
        play.decide(first.id, resident.id, 1, "ANTHRACYCLINE_TRASTUZUMAB")  # contraindicated
        play.advance(first.id, resident.id, 2)
        play.decide(first.id, resident.id, 3, "T_DM1")
        assert first.status == "completed"
        best = db.session.get(BestAttempt, (course.id, resident.id, short_case.id))
        assert (best.attempt_id, best.points) == (first.id, first.points)
        better = walk_to_first_decision(
            play.start_attempt(resident.id, short_case, course_id=course.id, restart=True),
            resident,
        )
        play.decide(better.id, resident.id, 1, "THP_DOCETAXEL")  # preferred: full marks
        assert better.status == "completed" and better.points > first.points
        db.session.expire_all()
        best = db.session.get(BestAttempt, (course.id, resident.id, short_case.id))
        assert (best.attempt_id, best.points) == (better.id, better.points)

    def test_a_worse_attempt_finished_later_leaves_the_best_alone(self, short_case, resident):
        course, best = course_attempt_at_first_decision(short_case, resident)
        play.decide(best.id, resident.id, 1, "THP_DOCETAXEL")  # preferred: full marks
        worse = play.start_attempt(resident.id, short_case, course_id=course.id, restart=True)
        walk_to_first_decision(worse, resident)
        play.decide(worse.id, resident.id, 1, "ANTHRACYCLINE_TRASTUZUMAB")
        play.advance(worse.id, resident.id, 2)
        play.decide(worse.id, resident.id, 3, "T_DM1")
        db.session.expire_all()
        finished = db.session.get(Attempt, worse.id)
        assert finished.status == "completed" and finished.points < best.points
        stored = db.session.get(BestAttempt, (course.id, resident.id, short_case.id))
        assert (stored.attempt_id, stored.points) == (best.id, best.points)

    def test_a_finishing_write_refused_as_stale_offers_nothing(self, short_case, resident):
        _, attempt = course_attempt_at_first_decision(short_case, resident)
        copy = play.read_attempt(attempt.id, resident.id)
        table = Attempt.__table__
        with db.engine.begin() as other:  # another request moves the attempt on first
            other.execute(
                table.update()
                .where(table.c.id == attempt.id)
                .values(lock_version=table.c.lock_version + 1)
            )
        document = play.document_of(copy)
        choice, path = play._score_case_choice(copy, document, 1, "THP_DOCETAXEL")
        assert document.nodes[path[-1][0]].kind == "ending"  # this write would finish it
        with pytest.raises(StaleDataError):
            play._store_decision(copy, document, choice, path)
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Choice)) == 0
        assert db.session.scalar(select(func.count()).select_from(BestAttempt)) == 0

    @pytest.mark.postgres_only
    @pytest.mark.parametrize("held_points", [0.0, 1000.0], ids=["held-worse", "held-better"])
    def test_a_finish_waiting_on_a_concurrent_best_keeps_the_better(
        self, app, database_url, short_case, resident, held_points
    ):
        """Another transaction has written the group's best row and not committed yet: the
        finishing decision's upsert (part of its one statement) waits for it, then keeps
        whichever of the two attempts is better."""
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite runs one writer at a time")
        course, attempt = course_attempt_at_first_decision(short_case, resident)
        other = make_attempt(resident, short_case, course, status="in_progress")
        group = {"course_id": course.id, "user_id": resident.id, "case_id": short_case.id}
        ids = (attempt.id, resident.id, other.id)
        deciding_app, outcome = make_test_app(database_url), {}

        def decide() -> None:
            with deciding_app.app_context():
                try:
                    outcome["attempt"] = play.decide(ids[0], ids[1], 1, "THP_DOCETAXEL").attempt
                except Exception as error:  # noqa: BLE001 - asserted below
                    outcome["error"] = repr(error)
                finally:
                    db.session.remove()
                    db.engine.dispose()

        # The watcher in autocommit mode: in a transaction it would see one snapshot of
        # pg_stat_activity throughout.
        watching = db.engine.execution_options(isolation_level="AUTOCOMMIT")
        with db.engine.connect() as holder, watching.connect() as watcher:
            held = {**group, "attempt_id": ids[2], "points": held_points, "max_points": 20}
            holder.execute(insert(BestAttempt).values(**held, completed_at=at(1)))
            thread = threading.Thread(target=decide)
            thread.start()
            waiting = text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            deadline = time.monotonic() + 20
            while watcher.scalar(waiting) == 0 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert watcher.scalar(waiting) > 0  # the decision waits on the held row
            holder.commit()
        thread.join(60)
        assert "error" not in outcome and outcome["attempt"].status == "completed"
        assert outcome["attempt"].points != held_points
        better = ids[2] if held_points > outcome["attempt"].points else ids[0]
        db.session.expire_all()
        assert db.session.get(BestAttempt, tuple(group.values())).attempt_id == better


class TestWhereADecisionIsWritten:
    """``play._store_decision``: in the request's session transaction when one has begun,
    otherwise in one of its own; on PostgreSQL every decision, with the best_attempts row of
    one that finishes a counted attempt, is a single statement in autocommit mode."""

    @pytest.fixture
    def write_in_transaction(self, app, monkeypatch):
        """For each statement that writes, through SQLAlchemy or on the driver's cursor
        (``edu.services.prepared``), whether it ran inside a database transaction."""
        seen: list[bool] = []

        def note(dbapi, statement: str, _how: str) -> None:
            if not statement.lstrip().upper().startswith("SELECT"):
                if db.engine.dialect.name == "postgresql":
                    seen.append(dbapi.info.transaction_status.name != "IDLE")
                else:
                    seen.append(dbapi.in_transaction)

        with every_statement(monkeypatch, note):
            yield seen

    def decide_as_a_page_does(self, attempt_id, user_id, step, code):
        # As the decision page: no session yet, the attempt read with the user.
        db.session.remove()
        _, read = play.read_attempt_with_user(attempt_id, user_id)
        return play.decide(attempt_id, user_id, step, code, read=read)

    def test_without_a_session_transaction_it_commits_one_of_its_own(
        self, short_case, resident, write_in_transaction
    ):
        attempt = play.start_attempt(resident.id, short_case)
        walk_to_first_decision(attempt, resident)
        attempt_id, user_id = attempt.id, resident.id
        write_in_transaction.clear()
        outcome = self.decide_as_a_page_does(attempt_id, user_id, 1, "TH_TAXANE")
        assert outcome.recorded and outcome.attempt.current_node == "progression"
        assert not db.session.registry.has()  # no ORM session was needed at all
        postgres = db.engine.dialect.name == "postgresql"
        # PostgreSQL: the one statement, in autocommit; SQLite: insert and update, in one.
        assert write_in_transaction == ([False] if postgres else [True, True])
        with db.engine.connect() as other:  # committed: another connection sees it
            assert other.scalar(select(func.count()).select_from(Choice)) == 1
            assert other.scalar(select(Attempt.current_node)) == "progression"
        again = self.decide_as_a_page_does(attempt_id, user_id, 1, "TH_TAXANE")
        assert not again.recorded and again.choice.id == outcome.choice.id

    def test_a_decision_that_finishes_a_counted_attempt_keeps_the_standings_with_it(
        self, short_case, resident, write_in_transaction
    ):
        course, attempt = course_attempt_at_first_decision(short_case, resident)
        ids = (attempt.id, resident.id, course.id, short_case.id)
        write_in_transaction.clear()
        outcome = self.decide_as_a_page_does(ids[0], ids[1], 1, "THP_DOCETAXEL")
        assert outcome.attempt.status == "completed"
        # The decision and the best attempt's row: one statement on PostgreSQL (atomic, in
        # autocommit), one transaction on SQLite.
        if db.engine.dialect.name == "postgresql":
            assert write_in_transaction == [False]
        else:
            assert len(write_in_transaction) == 3 and all(write_in_transaction)
        best = db.session.get(BestAttempt, (ids[2], ids[1], ids[3]))
        assert best.attempt_id == ids[0] and best.points == outcome.attempt.points

    @pytest.mark.parametrize("counted", [False, True], ids=["practice", "counted"])
    def test_sharing_a_connection_the_read_and_the_write_take_one_from_the_pool(
        self, short_case, resident, write_in_transaction, counted
    ):
        course_id = None
        if counted:
            course = create_course(create_user("instructor"))
            enrol(course, resident)
            course_id = course.id
        attempt = play.start_attempt(resident.id, short_case, course_id=course_id)
        walk_to_first_decision(attempt, resident)
        attempt_id, user_id = attempt.id, resident.id
        write_in_transaction.clear()
        with pool_checkouts() as taken, prepared.sharing_a_connection():  # as every request
            outcome = self.decide_as_a_page_does(
                attempt_id, user_id, 1, "THP_DOCETAXEL" if counted else "TH_TAXANE"
            )
            assert db.engine.pool.checkedout() == 1  # kept until the block ends
        assert outcome.recorded and len(taken) == 1
        assert db.engine.pool.checkedout() == 0
        postgres = db.engine.dialect.name == "postgresql"
        # PostgreSQL: one statement, with the best_attempts row when counted; SQLite: one
        # transaction.
        if counted:
            assert outcome.attempt.status == "completed"
            assert write_in_transaction == ([False] if postgres else [True, True, True])
        else:
            assert write_in_transaction == ([False] if postgres else [True, True])
        with db.engine.connect() as other:  # the connection came back as it went; committed
            dbapi = other.connection.dbapi_connection
            if postgres:
                assert dbapi.autocommit is False
                assert dbapi.info.transaction_status.name == "IDLE"
            else:
                assert not dbapi.in_transaction
            assert other.scalar(select(func.count()).select_from(Choice)) == 1

    def test_sharing_a_connection_a_refused_write_leaves_it_usable(self, short_case, resident):
        attempt = play.start_attempt(resident.id, short_case)
        walk_to_first_decision(attempt, resident)
        attempt_id, user_id = attempt.id, resident.id
        db.session.remove()
        with prepared.sharing_a_connection():
            _, read = play.read_attempt_with_user(attempt_id, user_id)
            with db.engine.begin() as other:  # another request moves the attempt on first
                other.execute(update(Attempt).values(lock_version=Attempt.lock_version + 1))
            with pytest.raises(StaleDataError):
                play.decide(attempt_id, user_id, 1, "TH_TAXANE", read=read)
            db.session.remove()  # (decide looked for a twin's choice through the session)
            user, again = play.read_attempt_with_user(attempt_id, user_id)
            assert user.id == user_id and again.lock_version == read.lock_version + 1
        assert db.engine.pool.checkedout() == 0
        with db.engine.connect() as other:
            assert other.scalar(select(func.count()).select_from(Choice)) == 0

    def test_inside_a_session_transaction_it_commits_that_one(self, short_case, resident):
        attempt = play.start_attempt(resident.id, short_case)
        walk_to_first_decision(attempt, resident)
        attempt.started_at -= timedelta(minutes=1)  # the session's own, unflushed change
        db.session.flush()
        play.decide(attempt.id, resident.id, 1, "TH_TAXANE")
        db.session.rollback()  # nothing left to roll back: the decision committed it all
        assert attempt.current_node == "progression"
        with db.engine.connect() as other:
            started = other.scalar(select(Attempt.started_at))
        assert started == attempt.started_at


class TestReadOnlyCopies:
    """``play.read_attempt``: what the node, feedback and debrief pages show, read with
    Core statements, must be exactly what the ORM loads."""

    def test_the_copy_holds_what_the_orm_loads(self, resident):
        sync_fixture_cases(FIXTURES / "play-short.md")
        case = db.session.scalar(select(CaseRecord).where(CaseRecord.slug == "play-short"))
        course = create_course(create_user("instructor"), points_scheme={**FULL_SCHEME, "not_recommended": 3})
        enrol(course, resident)
        attempt = walk_to_first_decision(
            play.start_attempt(resident.id, case, course_id=course.id), resident
        )
        play.decide(attempt.id, resident.id, 1, "TH_TAXANE")
        play.advance(attempt.id, resident.id, 2)
        play.decide(attempt.id, resident.id, 3, "T_DXD")
        attempt_id, user_id = attempt.id, resident.id
        db.session.expunge_all()
        loaded = play.get_attempt(attempt_id, user_id)
        copy = play.read_attempt(attempt_id, user_id, with_choices=True)
        for field in fields(play.AttemptSnapshot):
            if field.name != "choices":
                assert getattr(copy, field.name) == getattr(loaded, field.name), field.name
        assert copy.course_points_scheme["not_recommended"] == 3
        assert [c.step for c in copy.choices] == [1, 3]
        for stored, shown in zip(loaded.choices, copy.choices, strict=True):
            for field in fields(play.ChoiceSnapshot):
                assert getattr(shown, field.name) == getattr(stored, field.name), field.name
        assert play.read_attempt(attempt_id, user_id).choices == ()

    def test_the_pages_built_from_the_copy_are_those_built_from_the_orm(self, short_case, resident):
        def after_the_first_field(view) -> list:  # the first is the attempt or choice itself
            return [getattr(view, field.name) for field in fields(view)[1:]]

        attempt = walk_to_first_decision(play.start_attempt(resident.id, short_case), resident)
        shown = feedback.node_view(play.read_attempt(attempt.id, resident.id))
        assert after_the_first_field(shown) == after_the_first_field(feedback.node_view(attempt))
        assert shown.options and shown.panel
        play.decide(attempt.id, resident.id, 1, "THP_DOCETAXEL")
        copy = play.read_attempt(attempt.id, resident.id, with_choices=True)
        assert after_the_first_field(feedback.feedback_view(copy, copy.choices[0])) == (
            after_the_first_field(feedback.feedback_view(attempt, attempt.choices[0]))
        )
        shown, loaded = feedback.debrief(copy), feedback.debrief(attempt)
        assert (shown.points, shown.max_points, shown.outcome, len(shown.decisions)) == (
            loaded.points,
            loaded.max_points,
            loaded.outcome,
            1,
        )

    def test_someone_elses_attempt_is_not_found(self, short_case, resident):
        attempt = play.start_attempt(resident.id, short_case)
        with pytest.raises(play.AttemptNotFound):
            play.read_attempt(attempt.id, create_user("resident").id)
        with pytest.raises(play.AttemptNotFound):
            play.read_attempt(attempt.id + 1000, resident.id)


def test_concurrent_identical_submissions_store_one_choice(short_case, resident, database_url):
    attempt = walk_to_first_decision(play.start_attempt(resident.id, short_case), resident)
    attempt_id, user_id = attempt.id, resident.id
    db.session.remove()
    results, _ = race_decisions(database_url, attempt_id, user_id, 1, "THP_DOCETAXEL")
    stored = db.session.scalars(select(Choice).where(Choice.attempt_id == attempt_id)).all()
    assert len(stored) == 1
    assert results.count(True) <= 1
    assert db.session.get(Attempt, attempt_id).points == 10


class TestQuiz:
    def test_right_and_wrong_answers_are_scored_and_the_attempt_completes(self, quiz, resident):
        attempt = play.start_attempt(resident.id, quiz)
        assert play.decide(attempt.id, resident.id, 0, "A").choice.verdict == "correct"
        wrong = play.decide(attempt.id, resident.id, 1, "A").choice
        assert wrong.verdict == "incorrect"
        assert wrong.pitfalls == ["P11"]
        assert attempt.status == "completed"
        assert (attempt.points, attempt.max_points) == (10, 20)

    def test_a_timed_block_closes_when_time_is_up(self, quiz, resident):
        attempt = play.start_attempt(resident.id, quiz, mode="timed")
        assert attempt.deadline_at is not None
        attempt.deadline_at -= timedelta(hours=1)
        db.session.commit()
        with pytest.raises(play.InvalidChoice):
            play.decide(attempt.id, resident.id, 0, "A")
        assert attempt.status == "completed"


def test_previews_do_not_count_in_the_catalogue(short_case, resident):
    attempt = play.start_attempt(
        resident.id, short_case, preview=True, version=short_case.published_version
    )
    walk_to_first_decision(attempt, resident)
    play.decide(attempt.id, resident.id, 1, "THP_DOCETAXEL")
    entry = next(e for e in catalog.catalog(resident.id) if e.slug == "play-short")
    assert entry.status == "not started"
    assert catalog.progress(resident.id).history == []


def test_a_decision_the_guideline_prefers_nothing_for_is_scored_for_safety_only(app, resident):
    case = sync_fixture_cases(FIXTURES / "play-pregnancy.md")[0]
    safe = play.start_attempt(resident.id, case)
    choice = play.decide(safe.id, resident.id, 0, "CHEMO_ALONE").choice
    assert (choice.points, choice.max_points, choice.safety_error) == (0, 0, False)
    harmful = play.start_attempt(resident.id, case, restart=True)
    choice = play.decide(harmful.id, resident.id, 0, "THP_DOCETAXEL").choice
    assert (choice.verdict, choice.safety_error, choice.pitfalls) == (
        "contraindicated",
        True,
        ["P15"],
    )
