"""An instructor downloads a leaderboard export through the real pages."""

from edu.services import courses
from tests.browser.conftest import login
from tests.course_factories import at, make_attempt, make_case, make_user
from tests.factories import PASSWORD, create_course, enrol


def test_instructor_downloads_the_leaderboard_csv(live_server, page, tmp_path):
    instructor = make_user("instructor", name="Irene Instructor")
    course = create_course(instructor, "HER2 module")
    case = make_case("her2-first-line", "HER2 first line")
    courses.assign(course, case.id)
    resident = make_user("resident", name="Rita Resident")
    enrol(course, resident)
    make_attempt(resident, case, course, points=17.5, completed_at=at(30))

    login(page, live_server.url, instructor.email, PASSWORD)
    page.goto(f"{live_server.url}/courses/")
    page.get_by_role("link", name="HER2 module").click()
    page.get_by_role("link", name="Leaderboard", exact=True).click()
    assert page.get_by_role("rowheader", name="Rita Resident").is_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Leaderboard CSV").click()
    download = download_info.value
    assert download.suggested_filename == "her2-module-leaderboard.csv"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfname,email,HER2 first line,total,rank,completed_at\r\n")
    assert b"Rita Resident" in data
