"""Request and upload size limits: too much data is refused before anything is stored.

Three limits, from the outside in: ``MAX_CONTENT_LENGTH`` (2 MiB by default, any request
body; 413 with the site's page), ``MAX_FILE_BYTES`` (256 KiB per case file; that file
is rejected in the upload report) and the same 256 KiB for the editor's live preview.
"""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from edu.cases import MAX_FILE_BYTES
from edu.config import load_config
from edu.extensions import db
from edu.models import CaseRecord, CaseVersion
from tests.factories import PASSWORD
from tests.security.world import AUTHORED_TEXT, make_user

LIMIT = 64 * 1024  # a small MAX_CONTENT_LENGTH keeps the test's bodies small
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def app_config():
    return {"MAX_CONTENT_LENGTH": LIMIT}


@pytest.fixture
def instructor(client):
    user = make_user("instructor")
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return user


def stored_versions() -> int:
    return db.session.scalar(select(func.count()).select_from(CaseVersion))


def upload(client, *files: tuple[str, bytes], **headers):
    return client.post(
        "/author/upload",
        data={"files": [(io.BytesIO(data), name) for name, data in files], "publish_clean": "y"},
        content_type="multipart/form-data",
        headers=headers,
    )


def test_the_default_limit_is_a_few_mebibytes(tmp_path):
    limit = load_config(tmp_path, {"SECRET_KEY": "k"})["MAX_CONTENT_LENGTH"]
    assert MAX_FILE_BYTES < limit <= 8 * 1024 * 1024


def test_an_upload_over_the_request_limit_gets_the_413_page(client, instructor):
    response = upload(client, ("big.md", b"x" * (LIMIT + 1)))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Too large" in page and 'class="site-header"' in page
    assert stored_versions() == 0


def test_an_api_client_gets_413_as_json(client, instructor):
    response = client.post(
        "/author/lint-preview",
        json={"content": "x" * (LIMIT + 1)},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 413
    assert response.get_json()["status"] == 413


def test_any_post_over_the_limit_is_refused_before_the_view_runs(client):
    response = client.post("/auth/login", data={"email": "a@b.edu", "password": "p" * (LIMIT + 1)})
    assert response.status_code == 413


def test_the_limit_applies_before_the_csrf_check_reads_the_form(csrf_app):
    client = csrf_app.test_client()
    token = _TOKEN.search(client.get("/auth/login").get_data(as_text=True))[1]
    response = client.post(
        "/auth/login",
        data={"email": "a@b.edu", "password": "p" * (3 * 1024 * 1024), "csrf_token": token},
    )
    assert response.status_code == 413


class TestFileLimits:
    @pytest.fixture
    def app_config(self):
        return {}  # the default request limit, well above one file's limit

    def test_a_case_file_over_256_kib_is_rejected_and_nothing_is_stored(self, client, instructor):
        padding = "\n\n" + "Long narrative. " * (MAX_FILE_BYTES // 16)
        text = AUTHORED_TEXT.replace("Next: #first-line", padding + "\nNext: #first-line")
        assert len(text.encode()) > MAX_FILE_BYTES
        response = upload(client, ("author-basic.md", text.encode()))
        assert response.status_code == 200
        assert "larger than 256 KiB" in response.get_data(as_text=True)
        assert stored_versions() == 0

    def test_only_utf8_markdown_files_are_taken(self, client, instructor):
        response = upload(
            client,
            ("case.html", b"<script>alert(1)</script>"),
            ("case.md", "caf\u00e9".encode("latin-1") + b"\xff\xfe"),
        )
        page = response.get_data(as_text=True)
        assert "only Markdown files (.md)" in page and "not UTF-8" in page
        assert stored_versions() == 0

    def test_a_clean_file_under_the_limits_is_stored(self, client, instructor):
        response = upload(client, ("author-basic.md", AUTHORED_TEXT.encode()))
        assert response.status_code == 200
        assert db.session.scalar(select(CaseRecord.owner_id)) == instructor.id

    def test_the_live_preview_refuses_text_over_256_kib(self, client, instructor):
        response = client.post("/author/lint-preview", json={"content": "x" * (MAX_FILE_BYTES + 1)})
        assert response.status_code == 413
        assert "error" in response.get_json()
