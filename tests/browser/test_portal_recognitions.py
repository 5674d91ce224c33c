"""The issue's story in headless Chromium: a new learner on a phone (390 px, Chinese) applies
for a vocational certificate with a photo of it, sees the credits before submitting; a 郑州
reviewer sees the photo, asks for more material, the learner adds a file, the reviewer
approves and the learner sees 已认定 and the credits. A 洛阳 reviewer cannot open the photo
(``out_of_scope``). Every portal page fits 390 px; the pages are also shot at 1280 px.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("selenium")

from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select
from sqlmodel import Session

from issuer.conversion import learner_applications
from tests.browser.conftest import DemoInstallation
from tests.browser.test_console import _fits, _shot, _sign_in, _wait_for
from tests.browser.test_portal_self_service import PASSWORD, _open_account
from tests.browser.test_portal_self_service import _sign_in as _portal_sign_in
from tests.issuer.factories import new_national_id
from tests.issuer.staff_factories import make_staff, make_unit

_serial = itertools.count(1)


@pytest.fixture(scope="module")
def cities(demo_server: DemoInstallation) -> tuple[int, int]:
    engine = demo_server.server.app.state.engine
    province = make_unit(engine, "province", None, "河南省")
    return make_unit(engine, "sub_centre", province, "郑州"), make_unit(
        engine, "sub_centre", province, "洛阳"
    )


def _photo(folder: Path, name: str, colour: str) -> str:
    path = folder / name
    image = Image.new("RGB", (800, 560), colour)
    for x in range(40, 760):  # a frame, as a certificate has
        for y in (40, 41, 518, 519):
            image.putpixel((x, y), (200, 160, 40))
    out = io.BytesIO()
    image.save(out, format="JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def _fill_certificate(browser: WebDriver, centre: int, number: str) -> None:
    Select(browser.find_element(By.ID, "centre")).select_by_value(str(centre))
    for field, value in {
        "f-occupation_name": "工业机器人系统运维员",
        "f-occupation_code": "6-31-01-10",
        "f-certificate_number": number,
        "f-certifying_body": "郑州市职业技能鉴定中心",
    }.items():
        browser.find_element(By.ID, field).send_keys(value)
    Select(browser.find_element(By.ID, "f-level")).select_by_value("四级")
    # A date input takes the digits in the browser's locale order; set it as the form would.
    browser.execute_script("document.getElementById('f-completed_on').value = '2025-03-01';")


def _check(browser: WebDriver, what: str, path: Path) -> None:
    _fits(browser, what)
    _shot(browser, path)


def test_a_new_learner_applies_with_a_photo_and_a_zhengzhou_reviewer_approves(
    demo_server: DemoInstallation,
    cities: tuple[int, int],
    browser_factory: Callable[[], WebDriver],
    screenshots: Path,
    tmp_path: Path,
) -> None:
    engine, url = demo_server.server.app.state.engine, demo_server.url
    zhengzhou, luoyang = cities
    learner = browser_factory()
    learner.set_window_size(390, 900)
    number = _open_account(learner, url, new_national_id())
    _portal_sign_in(learner, url, number, PASSWORD)
    _wait_for(learner, "nav-recognitions")
    learner.find_element(By.ID, "nav-recognitions").click()
    _wait_for(learner, "recognition-list")
    _check(learner, "applications", screenshots / "portal-recognitions-zh_Hans-390.png")
    learner.find_element(By.ID, "new-recognition").click()
    _wait_for(learner, "kinds")
    assert len(learner.find_elements(By.CSS_SELECTOR, "#kinds li")) == 7
    _check(learner, "kinds", screenshots / "portal-recognition-kinds-zh_Hans-390.png")
    learner.find_element(By.ID, "kind-vocational_cert").click()
    _wait_for(learner, "fields-form")
    _fill_certificate(learner, zhengzhou, f"ZZ-EV-2025-{next(_serial):04d}")
    _check(learner, "fields", screenshots / "portal-recognition-fields-zh_Hans-390.png")
    learner.find_element(By.ID, "preview").click()
    _wait_for(learner, "preview-credits")
    # What the standards in force give (another test may have made a new version effective).
    shown = learner.find_element(By.ID, "preview-credits").text
    credits = shown.split()[0]
    assert float(credits) > 0, shown
    assert "工业机器人系统运维员" in learner.find_element(By.ID, "preview-explanation").text
    learner.find_element(By.ID, "files").send_keys(_photo(tmp_path, "证书.jpg", "ivory"))
    _check(learner, "preview", screenshots / "portal-recognition-preview-zh_Hans-390.png")
    learner.find_element(By.ID, "submit").click()
    _wait_for(learner, "done")
    assert learner.find_element(By.ID, "status").text == "待审核"
    assert learner.execute_script("return document.querySelector('#files img').naturalWidth") > 0
    _check(learner, "submitted", screenshots / "portal-recognition-submitted-zh_Hans-390.png")
    with Session(engine) as session:
        (application,) = learner_applications.for_learner(session, number)
        assert application.id is not None
        rid = application.recognition_id
        (photo,) = learner_applications.files(session, application.id)

    # 洛阳's reviewer cannot open the photo.
    outsider = browser_factory()
    _sign_in(outsider, url, make_staff(engine, demo_server.settings, "reviewer", centre_id=luoyang))
    outsider.get(f"{url}/console/review/{rid}/files/{photo.id}")
    assert outsider.find_element(By.ID, "error").get_attribute("data-code") == "out_of_scope"

    reviewer = browser_factory()
    reviewer.set_window_size(1280, 900)
    staff = make_staff(engine, demo_server.settings, "reviewer", centre_id=zhengzhou)
    _sign_in(reviewer, url, staff)
    reviewer.get(f"{url}/console/review")
    _wait_for(reviewer, f"open-{rid}")
    reviewer.find_element(By.ID, f"open-{rid}").click()
    _wait_for(reviewer, "evidence-files")
    assert (
        reviewer.execute_script("return document.querySelector('#evidence-files img').naturalWidth")
        > 0
    )
    assert reviewer.find_element(By.ID, "proposed").text == credits
    _check(reviewer, "review item", screenshots / "console-review-evidence-zh_Hans-1280.png")
    reviewer.find_element(By.ID, "material-reason").send_keys("请补充证书背面的照片")
    reviewer.find_element(By.ID, "more-material").click()
    _wait_for(reviewer, "notice")

    learner.refresh()
    _wait_for(learner, "material-form")
    assert "补充材料" in learner.find_element(By.ID, "status").text
    assert "请补充证书背面的照片" in learner.find_element(By.ID, "reason").text
    _check(learner, "material", screenshots / "portal-recognition-material-zh_Hans-390.png")
    learner.find_element(By.ID, "material-text").send_keys("已补充证书背面")
    learner.find_element(By.ID, "material-files").send_keys(
        _photo(tmp_path, "背面.jpg", "lightblue")
    )
    learner.find_element(By.ID, "material-submit").click()
    _wait_for(learner, "done")
    assert learner.find_element(By.ID, "status").text == "待审核"
    assert len(learner.find_elements(By.CSS_SELECTOR, "#files img")) == 2

    reviewer.get(f"{url}/console/review/{rid}")
    _wait_for(reviewer, "approve")
    assert "已补充证书背面" in reviewer.find_element(By.TAG_NAME, "body").text
    assert len(reviewer.find_elements(By.CSS_SELECTOR, "#evidence-files img")) == 2
    reviewer.find_element(By.ID, "approve").click()
    _wait_for(reviewer, "notice")

    learner.refresh()
    _wait_for(learner, "deposited")
    assert learner.find_element(By.ID, "status").text == "已认定"
    _check(learner, "recognised", screenshots / "portal-recognition-recognised-zh_Hans-390.png")
    learner.get(f"{url}/portal/account")
    _wait_for(learner, "balance")
    assert learner.find_element(By.ID, "balance").text == credits
    _check(learner, "account", screenshots / "portal-account-recognised-zh_Hans-390.png")


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_the_application_pages_fit_the_screen(
    demo_server: DemoInstallation,
    cities: tuple[int, int],
    browser_factory: Callable[[], WebDriver],
    screenshots: Path,
    tmp_path: Path,
    width: int,
    language: str,
) -> None:
    url = demo_server.url
    browser = browser_factory()
    browser.set_window_size(width, 900)
    browser.get(f"{url}/portal/language/{language}?next=/portal/sign-in")
    number = _open_account(browser, url, new_national_id())
    _portal_sign_in(browser, url, number, PASSWORD)
    _wait_for(browser, "nav-recognitions")
    tag = f"{language}-{width}"
    browser.get(f"{url}/portal/recognitions/new")
    _wait_for(browser, "kinds")
    _check(browser, "kinds", screenshots / f"portal-recognition-kinds-{tag}.png")
    for kind in ("work_experience", "award", "online_course", "training"):
        browser.get(f"{url}/portal/recognitions/new?kind={kind}")
        _wait_for(browser, "fields-form")
        _check(browser, kind, screenshots / f"portal-recognition-{kind}-{tag}.png")
    browser.get(f"{url}/portal/recognitions/new?kind=vocational_cert")
    _wait_for(browser, "fields-form")
    _fill_certificate(browser, cities[0], f"ZZ-FIT-2025-{next(_serial):04d}")
    browser.find_element(By.ID, "preview").click()
    _wait_for(browser, "preview-credits")
    _check(browser, "preview", screenshots / f"portal-recognition-preview-{tag}.png")
    # A "photo" that is really HTML: refused in the reader's language, on the same page.
    fake = tmp_path / "photo.jpg"
    fake.write_bytes(b"<!doctype html><p>not a photo</p>")
    browser.find_element(By.ID, "files").send_keys(str(fake))
    browser.find_element(By.ID, "submit").click()
    _wait_for(browser, "error")
    expected = "PDF、JPEG 或 PNG" if language == "zh_Hans" else "PDF, JPEG or PNG"
    assert expected in browser.find_element(By.ID, "error").text
    _check(browser, "refused file", screenshots / f"portal-recognition-refused-{tag}.png")
    browser.find_element(By.ID, "files").send_keys(_photo(tmp_path, "c.jpg", "ivory"))
    browser.find_element(By.ID, "submit").click()
    _wait_for(browser, "done")
    _check(browser, "detail", screenshots / f"portal-recognition-detail-{tag}.png")
    browser.get(f"{url}/portal/recognitions")
    _wait_for(browser, "recognition-list")
    _check(browser, "list", screenshots / f"portal-recognitions-{tag}.png")
    # The centre's reviewer on the same screen: the case with its thumbnail fits too.
    engine = demo_server.server.app.state.engine
    with Session(engine) as session:
        (application,) = learner_applications.for_learner(session, number)
    reviewer = browser_factory()
    reviewer.set_window_size(width, 900)
    reviewer.get(f"{url}/console/language/{language}?next=/console/sign-in")
    staff = make_staff(engine, demo_server.settings, "reviewer", centre_id=cities[0])
    _sign_in(reviewer, url, staff)
    reviewer.get(f"{url}/console/review/{application.recognition_id}")
    _wait_for(reviewer, "evidence-files")
    _check(reviewer, "review item", screenshots / f"console-review-evidence-{tag}.png")
