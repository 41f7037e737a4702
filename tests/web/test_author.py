"""Authoring pages: who reaches what, and the editor, versions, analytics and guideline pages."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from edu.extensions import db
from edu.models import CaseRecord, CaseVersion
from edu.services import authoring
from tests.author_helpers import BASIC, BROKEN, BROKEN_LINE, make_user, play_through
from tests.factories import PASSWORD

SLUG = "author-basic"

# Every author route (method, url). {slug} routes are about one case.
GENERAL_ROUTES = [
    ("GET", "/author/"),
    ("GET", "/author/new"),
    ("POST", "/author/new"),
    ("POST", "/author/lint-preview"),
    ("GET", "/author/upload"),
    ("POST", "/author/upload"),
    ("GET", "/author/guideline-changes"),
    ("POST", "/author/guideline-changes"),
]
CASE_ROUTES = [
    ("GET", "/author/{slug}/edit"),
    ("POST", "/author/{slug}/edit"),
    ("POST", "/author/{slug}/publish"),
    ("GET", "/author/{slug}/history"),
    ("GET", "/author/{slug}/versions/1"),
    ("GET", "/author/{slug}/diff"),
    ("POST", "/author/{slug}/rollback"),
    ("POST", "/author/{slug}/coauthors"),
    ("GET", "/author/{slug}/analytics"),
]
ALL_ROUTES = GENERAL_ROUTES + CASE_ROUTES


@pytest.fixture
def world(app):
    owner = make_user("instructor")
    case = authoring.create_case(BASIC, owner).case
    authoring.publish(case, authoring.latest_version(case))
    coauthor = make_user("instructor")
    authoring.add_coauthor(case, coauthor.email)
    return {
        "case": case,
        "owner": owner,
        "coauthor": coauthor,
        "admin": make_user("admin"),
        "stranger": make_user("instructor"),
        "resident": make_user("resident"),
    }


def request(client, method, url, **kwargs):
    url = url.format(slug=SLUG)
    if method == "GET":
        return client.get(url, **kwargs)
    default = {"version": "1", "content": BASIC, "email": "x@y.edu"}
    if url.endswith("guideline-changes"):
        default = {"version": "her2-mbc-2026.2"}
    data = kwargs.pop("data", default)
    return client.post(url, data=data, **kwargs)


def log_in(client, user):
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


class TestWhoReachesWhat:
    @pytest.mark.parametrize(("method", "url"), ALL_ROUTES)
    def test_anonymous_users_are_sent_to_log_in(self, client, world, method, url):
        response = request(client, method, url)
        assert response.status_code == 302
        assert "/auth/login" in response.location

    @pytest.mark.parametrize(("method", "url"), ALL_ROUTES)
    def test_residents_are_refused(self, client, world, method, url):
        log_in(client, world["resident"])
        assert request(client, method, url).status_code == 403

    @pytest.mark.parametrize(("method", "url"), CASE_ROUTES)
    def test_instructors_who_do_not_own_the_case_are_refused(self, client, world, method, url):
        log_in(client, world["stranger"])
        assert request(client, method, url).status_code == 403

    @pytest.mark.parametrize(("method", "url"), GENERAL_ROUTES)
    def test_any_instructor_reaches_the_general_pages(self, client, world, method, url):
        log_in(client, world["stranger"])
        assert request(client, method, url).status_code in (200, 302)

    @pytest.mark.parametrize("who", ["owner", "coauthor", "admin"])
    @pytest.mark.parametrize(("method", "url"), CASE_ROUTES)
    def test_owner_co_author_and_admin_reach_every_case_page(self, client, world, who, method, url):
        log_in(client, world[who])
        response = request(client, method, url)
        assert response.status_code in (200, 302), response.data[:300]
        if response.status_code == 302:
            assert "/auth/login" not in response.location

    def test_an_unknown_case_is_404(self, client, world):
        log_in(client, world["admin"])
        assert client.get("/author/no-such-case/edit").status_code == 404

    def test_the_index_lists_only_my_cases(self, client, world):
        log_in(client, world["stranger"])
        assert SLUG not in client.get("/author/").get_data(as_text=True)
        client.post("/auth/logout")
        log_in(client, world["coauthor"])
        assert SLUG in client.get("/author/").get_data(as_text=True)


@pytest.fixture
def owner_client(client, world):
    log_in(client, world["owner"])
    return client


def versions(case) -> list[int]:
    return list(
        db.session.scalars(select(CaseVersion.number).where(CaseVersion.case_id == case.id))
    )


class TestEditor:
    def test_the_editor_shows_the_text_line_numbers_and_the_state(self, owner_client):
        page = owner_client.get(f"/author/{SLUG}/edit").get_data(as_text=True)
        assert 'id="line-1"' in page and f'id="line-{BASIC.count(chr(10))}"' in page
        assert "Published: version 1" in page
        assert "Pertuzumab + trastuzumab + docetaxel" in page
        assert 'data-lint-url="/author/lint-preview"' in page
        assert 'action="/play/preview/' in page  # play as learner

    def test_check_shows_each_lint_error_at_its_line_and_saves_nothing(self, owner_client, world):
        response = owner_client.post(
            f"/author/{SLUG}/edit", data={"content": BROKEN, "action": "check"}
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert (
            f'href="#line-{BROKEN_LINE}" data-line="{BROKEN_LINE}">Line {BROKEN_LINE}</a>' in page
        )
        assert "nowhere" in page
        assert versions(world["case"]) == [1]

    def test_save_draft_keeps_the_published_version(self, owner_client, world):
        response = owner_client.post(
            f"/author/{SLUG}/edit", data={"content": BROKEN, "action": "save"}
        )
        assert response.status_code == 302
        page = owner_client.get(response.location).get_data(as_text=True)
        assert "Saved as draft version 2 with 1 lint error" in page
        assert "Draft: version 2, has lint errors" in page
        assert world["case"].published_version.number == 1

    def test_save_and_publish_refuses_a_text_with_errors(self, owner_client, world):
        owner_client.post(f"/author/{SLUG}/edit", data={"content": BROKEN, "action": "publish"})
        db.session.expire_all()
        assert world["case"].published_version.number == 1
        assert versions(world["case"]) == [1, 2]

    def test_save_and_publish_a_clean_text(self, owner_client, world):
        response = owner_client.post(
            f"/author/{SLUG}/edit", data={"content": BASIC + "\nMore.\n", "action": "publish"}
        )
        page = owner_client.get(response.location).get_data(as_text=True)
        assert "Version 2 is published" in page
        db.session.expire_all()
        assert world["case"].published_version.number == 2

    def test_publish_route_publishes_only_the_newest_clean_version(self, owner_client, world):
        case = world["case"]
        authoring.save_draft(case, BASIC + "\nDraft.\n", world["owner"])
        assert (
            owner_client.post(f"/author/{SLUG}/publish", data={"version": "1"}).status_code == 302
        )
        db.session.expire_all()
        assert case.published_version.number == 1
        owner_client.post(f"/author/{SLUG}/publish", data={"version": "2"})
        db.session.expire_all()
        assert case.published_version.number == 2

    def test_new_case_is_saved_as_a_draft_owned_by_me(self, client, world):
        log_in(client, world["stranger"])
        assert "id: my-new-case" in client.get("/author/new").get_data(as_text=True)
        text = BASIC.replace("id: author-basic", "id: author-new")
        response = client.post("/author/new", data={"content": text, "action": "save"})
        assert response.location.endswith("/author/author-new/edit")
        case = db.session.scalar(select(CaseRecord).where(CaseRecord.slug == "author-new"))
        assert case.owner_id == world["stranger"].id and case.published_version_id is None

    def test_new_case_with_a_taken_id_says_so(self, client, world):
        log_in(client, world["stranger"])
        page = client.post("/author/new", data={"content": BASIC, "action": "save"}).get_data(
            as_text=True
        )
        assert "already used by another case" in page


class TestLintPreviewJson:
    def test_returns_findings_and_rendered_nodes(self, owner_client):
        data = owner_client.post("/author/lint-preview", json={"content": BROKEN}).get_json()
        assert data["ok"] is False and data["errors"] == 1
        assert any(f["line"] == BROKEN_LINE and f["severity"] == "error" for f in data["findings"])
        assert [n["id"] for n in data["nodes"]] == ["start", "first-line", "monitoring", "end"]
        assert data["nodes"][0]["body_html"].startswith("<p>")

    def test_text_is_required(self, owner_client):
        assert owner_client.post("/author/lint-preview", json={}).status_code == 400

    def test_the_csrf_token_is_required_and_read_from_the_header(self, csrf_app):
        client = csrf_app.test_client()
        user = make_user("instructor")
        login_page = client.get("/auth/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
        client.post(
            "/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
        editor = client.get("/author/new").get_data(as_text=True)
        token = re.search(r'<meta name="csrf-token" content="([^"]+)"', editor).group(1)
        assert client.post("/author/lint-preview", json={"content": BASIC}).status_code == 400
        response = client.post(
            "/author/lint-preview", json={"content": BASIC}, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 200 and response.get_json()["ok"] is True


class TestUpload:
    def test_several_files_are_each_reported(self, owner_client, world):
        files = [
            (io.BytesIO(BROKEN.encode()), "author-basic.md"),
            (io.BytesIO(BASIC.replace("id: author-basic", "id: author-up").encode()), "up.md"),
            (io.BytesIO(b"plain"), "notes.txt"),
        ]
        response = owner_client.post(
            "/author/upload",
            data={"files": files, "publish_clean": "y"},
            content_type="multipart/form-data",
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "saved as draft" in page and "added" in page and "rejected" in page
        assert f"Line {BROKEN_LINE}" in page
        db.session.expire_all()
        assert world["case"].published_version.number == 1  # the broken upload is not live


class TestVersions:
    def test_history_diff_and_restore(self, owner_client, world):
        case = world["case"]
        authoring.save_draft(
            case, BASIC.replace("Test P.", "<script>alert(1)</script>"), world["owner"]
        )
        history = owner_client.get(f"/author/{SLUG}/history").get_data(as_text=True)
        assert "Version 2" in history and "draft" in history and "published" in history
        diff = owner_client.get(f"/author/{SLUG}/diff?from=1&to=2").get_data(as_text=True)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in diff and "<script>alert" not in diff
        assert 'class="diff-removed"' in diff and 'class="diff-added"' in diff
        response = owner_client.post(f"/author/{SLUG}/rollback", data={"version": "1"})
        assert response.status_code == 302
        db.session.expire_all()
        assert case.published_version.number == 3
        assert case.published_version.content == BASIC

    def test_a_version_page_shows_the_text_escaped(self, owner_client):
        page = owner_client.get(f"/author/{SLUG}/versions/1").get_data(as_text=True)
        assert "author-basic" in page and "Play as learner" in page

    def test_co_authors_are_added_by_email(self, owner_client, world):
        newcomer = make_user("instructor")
        owner_client.post(f"/author/{SLUG}/coauthors", data={"email": newcomer.email})
        assert authoring.can_edit(newcomer, world["case"])
        owner_client.post(f"/author/{SLUG}/coauthors", data={"user_id": str(newcomer.id)})
        assert not authoring.can_edit(newcomer, world["case"])


class TestAnalyticsPage:
    def test_charts_come_with_their_numbers(self, owner_client, world):
        play_through(make_user().id, world["case"], ["TH_TAXANE", "LVEF_ONLY_IF_SYMPTOMS"])
        page = owner_client.get(f"/author/{SLUG}/analytics").get_data(as_text=True)
        assert page.count("<svg") >= 3  # histogram, two decisions (+ pitfalls)
        assert "<title" in page and 'role="img"' in page
        assert "TH_TAXANE" in page and "100.0%" in page
        assert "P11" in page
        assert "<script" not in page.split("</head>")[1]

    def test_filters_are_applied(self, owner_client, world):
        play_through(make_user().id, world["case"], ["TH_TAXANE", "LVEF_ONLY_IF_SYMPTOMS"])
        page = owner_client.get(f"/author/{SLUG}/analytics?date_to=2000-01-01").get_data(
            as_text=True
        )
        assert "No attempts match these filters" in page

    def test_a_bad_date_is_reported_not_a_crash(self, owner_client):
        response = owner_client.get(f"/author/{SLUG}/analytics?date_from=yesterday")
        assert response.status_code == 200


class TestGuidelineChangesPage:
    def test_shows_the_diff_touched_cases_and_rescoring_report(self, owner_client, world):
        play_through(make_user().id, world["case"], ["THP_DOCETAXEL", "LVEF_ONLY_IF_SYMPTOMS"])
        page = owner_client.get(
            "/author/guideline-changes?old=her2-mbc-2026.1&new=her2-mbc-2026.2"
        ).get_data(as_text=True)
        assert "her2-mbc-2026.1 → her2-mbc-2026.2" in page
        assert "T_DXD_PERTUZUMAB" in page
        assert "Re-score" in page
        response = owner_client.post(
            "/author/guideline-changes?old=her2-mbc-2026.1&new=her2-mbc-2026.2",
            data={"version": "her2-mbc-2026.2"},
        )
        page = response.get_data(as_text=True)
        assert "0 changed points" in page and "already scored under her2-mbc-2026.2" in page
