"""An instructor downloads a leaderboard export through the real pages."""

from edu.services import courses
from tests.browser.conftest import follow, login, run_axe
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
    follow(page.get_by_role("link", name="HER2 module"))
    follow(page.get_by_role("link", name="Leaderboard", exact=True))
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


def test_course_pages_are_accessible_and_fit_a_phone(live_server, page, phone_page):
    instructor = make_user("instructor", name="Irene Instructor")
    course = create_course(instructor, "HER2 module", leaderboard_visible=True, pseudonyms=True)
    case = make_case("her2-first-line", "HER2 first line")
    courses.assign(course, case.id, due_at=at(60))
    resident = make_user("resident", name="Rita Resident")
    enrol(course, resident)
    make_attempt(resident, case, course, points=17.5, completed_at=at(90))
    peer = make_user("resident", name="Petra Peer")
    enrol(course, peer)
    make_attempt(peer, case, course, points=20, completed_at=at(30))

    pages = (f"/courses/{course.id}", f"/courses/{course.id}/leaderboard", "/courses/")
    for user, browser_page in ((instructor, page), (resident, phone_page)):
        login(browser_page, live_server.url, user.email, PASSWORD)
        for path in pages:
            browser_page.goto(live_server.url + path)
            assert run_axe(browser_page) == [], path
            overflow = browser_page.evaluate(
                "document.documentElement.scrollWidth - window.innerWidth"
            )
            assert overflow <= 0, path
    phone_page.goto(f"{live_server.url}/courses/{course.id}/leaderboard")
    you = phone_page.locator("tr[aria-current='true']")
    assert "Rita Resident" in you.text_content() and "You" in you.text_content()
    assert "Petra Peer" not in phone_page.content()
