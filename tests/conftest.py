"""Fixtures shared by the test folders."""

from pathlib import Path

import pytest

CHROME_ARGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--hide-scrollbars",
)


@pytest.fixture(scope="session")
def headless_chrome():
    """A factory of headless Chromium drivers (Debian's /usr/bin/chromium and chromedriver; the test skips when
    they or selenium are absent: .ci/run installs them as root). The caller quits each driver it starts."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    for exe in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
        if not Path(exe).exists():
            pytest.skip(f"{exe} missing: apt-get install chromium chromium-driver (.ci/run does this as root)")

    def start():
        opts = Options()
        opts.binary_location = "/usr/bin/chromium"
        for arg in CHROME_ARGS:
            opts.add_argument(arg)
        return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)

    return start
