"""Scanning in the page with the device camera, in Chromium with a fake camera.

The fake camera plays a .y4m video made in the test from the demo credential's QR PNG
(``--use-file-for-fake-video-capture``); the page asks for the camera only when its button
is pressed, reads the frames with jsQR and gives the same verdict as the link. Refused
permission says so and points to the photo picker.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("selenium")

from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from issuer.credentials.qr_image import render_png
from tests.browser.conftest import CHROMEDRIVER, DemoInstallation, chromium_options
from tests.browser.pages import open_fresh, shoot, verdict

SIZE = 720


def write_y4m(png: bytes, path: Path, frames: int = 5) -> None:
    """A still video of the QR image (YUV 4:2:0, grey: only the luma plane varies)."""
    with Image.open(io.BytesIO(png)) as image:
        grey = image.convert("L").resize((SIZE - 80, SIZE - 80))
    canvas = Image.new("L", (SIZE, SIZE), 255)
    canvas.paste(grey, (40, 40))
    luma = np.asarray(canvas, dtype=np.uint8).tobytes()
    chroma = bytes([128]) * (SIZE // 2) * (SIZE // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{SIZE} H{SIZE} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)


def _camera_browser(video: Path | None) -> tuple[WebDriver, Path]:
    profile = Path(tempfile.mkdtemp(prefix="creditbank-chromium-"))
    options = chromium_options(profile)
    options.add_argument("--use-fake-device-for-media-stream")
    if video is not None:
        options.add_argument("--use-fake-ui-for-media-stream")  # "Allow" pressed
        options.add_argument(f"--use-file-for-fake-video-capture={video}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    return driver, profile


@pytest.fixture
def camera_browser(demo_server: DemoInstallation, tmp_path: Path) -> Iterator[WebDriver]:
    video = tmp_path / "qr.y4m"
    write_y4m(render_png(demo_server.qr_text), video)
    driver, profile = _camera_browser(video)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def test_camera_scan_gives_the_links_verdict(
    demo_server: DemoInstallation, camera_browser: WebDriver
) -> None:
    open_fresh(camera_browser, f"{demo_server.url}/v1")
    note = camera_browser.find_element(By.ID, "camera-note")
    assert note.get_attribute("data-state") == "idle"  # nothing asked before the button
    camera_browser.find_element(By.ID, "camera-start").click()
    assert verdict(camera_browser, timeout=30) == ("valid", "")
    assert note.get_attribute("data-state") == "read"
    assert camera_browser.find_element(By.ID, "f-learner").text == "张晓明"
    # The camera is let go once read.
    assert camera_browser.execute_script("return document.getElementById('camera-video').hidden")
    shoot(camera_browser, "camera-read")


def test_refused_camera_points_to_the_photo_picker(demo_server: DemoInstallation) -> None:
    driver, profile = _camera_browser(None)
    try:
        open_fresh(driver, f"{demo_server.url}/v1")
        # No fake "Allow": headless Chromium answers the permission prompt with "Block".
        driver.find_element(By.ID, "camera-start").click()
        note = driver.find_element(By.ID, "camera-note")
        WebDriverWait(driver, 10).until(lambda d: note.get_attribute("data-state") == "denied")
        assert "未获得摄像头权限" in note.text and "choose a photo" in note.text
        assert driver.switch_to.active_element.get_attribute("id") == "photo"
        shoot(driver, "camera-denied")
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
