"""The verifier page in a real browser: headless Chromium driven by selenium.

Opens the page from a file URL, fills the form for one round of each game and reads the
outcome from the DOM, checks a commitment, loads an export file (a tampered line shows as a
mismatch), checks the phone layout and that the console stays clean. Screenshots are kept in
``.artifacts/`` at the repository root (not committed). Without Chromium, its driver or
selenium the tests skip with the reason, except under CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import importlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest

from _verifier_page import need
from casino_core import verifier_page
from casino_core.catalog import Catalog, Offering, default_catalog
from casino_core.fairness import commitment_of
from casino_core.games import make_crash_record, make_record

ARTIFACTS: Final = Path(__file__).resolve().parents[2] / ".artifacts"
SERVER: Final = "9f1c2d3e4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
CLIENT: Final = "player-chosen ☃"
ROUNDS: Final[list[tuple[str, str, int, dict[str, Any]]]] = [
    ("dice", "unbiased", 3, {"target": "49.50", "condition": "under"}),
    ("limbo", "stake", 4, {"target": "1.50"}),
    ("coinflip", "stake", 5, {"flips": "heads,tails,heads"}),
    ("plinko", "stake", 6, {"rows": "12", "risk": "medium"}),
    ("wheel", "unbiased", 7, {"segments": "30", "risk": "high"}),
    ("keno", "unbiased", 8, {"picks": "3,9,14,27,33", "risk": "high"}),
    ("roulette", "stake", 9, {"variant": "american", "bets": "red;straight:00*2;dozen:3"}),
    ("mines", "unbiased", 10, {"mines": "4", "tiles": "12,0,24,7"}),
    ("hilo", "stake", 11, {"actions": "likelier,skip,higher_or_same,likelier,cash_out"}),
]


def _selenium() -> Any:
    try:
        return importlib.import_module("selenium.webdriver")
    except ImportError:
        message = "selenium is not installed (the dev extra installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    webdriver = _selenium()
    chromium = need("Chromium", "/usr/bin/chromium", "chromium")
    driver_path = need("chromedriver", "/usr/bin/chromedriver", "chromedriver")
    os.environ["SE_OFFLINE"] = "true"  # selenium-manager must not download anything
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    profile = tempfile.mkdtemp(prefix="verifier-chromium-")
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--window-size=1200,2400", f"--user-data-dir={profile}",
    ):  # fmt: skip
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(
        service=webdriver.ChromeService(executable_path=driver_path), options=options
    )
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The page as an operator ships it, with the published catalog embedded."""
    path = tmp_path_factory.mktemp("page") / "verify.html"
    path.write_text(verifier_page(default_catalog()), encoding="utf-8")
    return path.as_uri()


@pytest.fixture(scope="module")
def plain_page_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The page without a catalog (records are checked against their own params)."""
    path = tmp_path_factory.mktemp("plain") / "verify.html"
    path.write_text(verifier_page(), encoding="utf-8")
    return path.as_uri()


def _by_id(driver: Any, element_id: str) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, 20).until(lambda d: d.find_element("id", element_id))


def _fill(driver: Any, element_id: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    element = driver.find_element("id", element_id)
    if element.tag_name == "select":
        Select(element).select_by_value(value)
    else:
        element.clear()
        element.send_keys(value)


def _expected(game: str, scheme: str, nonce: int, params: dict[str, Any]) -> dict[str, Any]:
    return make_record(game, scheme, SERVER, CLIENT, nonce, params)


def _severe_console_entries(driver: Any) -> list[Any]:
    return [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


class TestInTheBrowser:
    def test_one_round_of_each_game_from_the_form(self, browser: Any, page_url: str) -> None:
        """The form recomputes a round of every game; outcome and multiplier are Python's."""
        from selenium.webdriver.common.keys import Keys

        browser.get(page_url)
        for game, scheme, nonce, params in ROUNDS:
            _fill(browser, "game", game)
            _fill(browser, "scheme", scheme)
            _fill(browser, "server-seed", SERVER)
            _fill(browser, "client-seed", CLIENT)
            _fill(browser, "nonce", str(nonce))
            for name, value in params.items():
                _fill(browser, f"bet-{game}-{name}", value)
            browser.execute_script("document.getElementById('round-out').replaceChildren()")
            browser.find_element("id", "nonce").send_keys(Keys.ENTER)  # keyboard submit
            shown = json.loads(_by_id(browser, "round-result").text)
            record = _expected(game, scheme, nonce, params)
            assert shown == record["result"], game
            assert browser.find_element("id", "round-multiplier").text == record["multiplier"]
            assert browser.find_elements("css selector", "#round-trace tbody tr"), game
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / "verifier-page-round.png"))
        assert _severe_console_entries(browser) == []

    def test_a_crash_round_and_a_bad_input(self, browser: Any, page_url: str) -> None:
        """A crash round from its game hash and salt; a bad seed gets a clear error."""
        browser.get(page_url)
        game_hash = "b4e7b335045da0a2666145980d03ed440a2e150e5369c72c7e6e24aeeb95f791"
        salt = "0000000000000000001b34dc6a1e86083f95500b096231436e9b25cbdd0075c4"
        _fill(browser, "game", "crash")
        _fill(browser, "bet-crash-game_hash", game_hash)
        _fill(browser, "bet-crash-salt", salt)
        _fill(browser, "bet-crash-target", "2")
        browser.find_element("id", "round-go").click()
        assert json.loads(_by_id(browser, "round-result").text) == {"crash_point": "2.56"}
        assert browser.find_element("id", "round-multiplier").text == "2"
        _fill(browser, "bet-crash-game_hash", "not a hash")
        browser.find_element("id", "round-go").click()
        error = _by_id(browser, "round-out-error").text
        assert "game_hash" in error
        assert "64 lowercase hex" in error
        assert _severe_console_entries(browser) == []

    def test_a_commitment(self, browser: Any, page_url: str) -> None:
        """The SHA-256 of the revealed seed against the hash shown before play."""
        browser.get(page_url)
        for commitment, verdict in ((commitment_of(SERVER), "Match"), ("0" * 64, "Mismatch")):
            _fill(browser, "commit-seed", SERVER)
            _fill(browser, "commit-hash", commitment)
            browser.execute_script("document.getElementById('commit-out').replaceChildren()")
            browser.find_element("id", "commit-go").click()
            assert _by_id(browser, "commit-verdict").text.startswith(verdict)

    def test_an_export_file_with_a_tampered_line(
        self, browser: Any, page_url: str, plain_page_url: str, tmp_path: Path
    ) -> None:
        """Each line gets its verdict; the tampered one is a mismatch naming the field."""
        records = [
            _expected(g, s, n, p) for g, s, n, p in ROUNDS if (g, s) != ("coinflip", "stake")
        ]
        records.append(make_crash_record("bustabit_v2", "ab" * 32, "salt", target=None))
        tampered = dict(records[2], result={**records[2]["result"], "bucket": 99})
        lines = [json.dumps(r) for r in records]
        lines[2] = json.dumps(tampered)
        lines.append("{broken")
        export = tmp_path / "rounds.jsonl"
        export.write_text("\n".join(lines) + "\n", encoding="utf-8")
        browser.get(plain_page_url)
        browser.find_element("id", "records-file").send_keys(str(export))
        summary = _by_id(browser, "records-summary").text
        counts = f"{len(lines)} lines: {len(lines) - 2} match, 1 mismatch, 1 malformed"
        assert summary == f"{counts}; 2 across lines"
        # The rounds start at nonce 3 and skip nonce 5 (the coinflip left out): two gaps.
        found = browser.find_elements("css selector", "#records-findings li")
        assert [f.get_attribute("data-kind") for f in found] == ["nonce_gap", "nonce_gap"]
        assert "nonces 0..2 missing" in found[0].text
        rows = browser.find_elements("css selector", "#records-table tbody tr")
        statuses = [r.get_attribute("data-status") for r in rows]
        assert statuses == ["match", "match", "mismatch"] + ["match"] * (len(lines) - 4) + [
            "malformed"
        ]
        assert "result.bucket: recorded 99" in rows[2].text
        browser.save_screenshot(str(ARTIFACTS / "verifier-page-export.png"))
        assert _severe_console_entries(browser) == []
        # The operator's page checks each record against the published catalog too: these
        # records name no offering.
        browser.get(page_url)
        browser.find_element("id", "records-text").send_keys(lines[0])
        browser.find_element("id", "records-go").click()
        _by_id(browser, "records-summary")
        row = browser.find_element("css selector", "#records-table tbody tr")
        assert row.get_attribute("data-status") == "mismatch"
        assert "offering_id: recorded (missing)" in row.text
        assert json.loads(_by_id(browser, "record-result").text) == records[0]["result"]
        assert browser.find_elements("css selector", "#record-trace tbody tr")

    def test_an_offering_fills_the_rules(self, browser: Any, tmp_path: Path) -> None:
        """Picking an offering of the embedded catalog plays under its rules and tables."""
        catalog = Catalog(
            [
                Offering("dice-2pct", "dice", {"house_edge": "2/100"}),
                Offering("wheel-mine", "wheel", {"tables": {"mine": {2: ["0", "19/10"]}}}),
            ]
        )
        page = tmp_path / "operator.html"
        page.write_text(verifier_page(catalog), encoding="utf-8")
        browser.get(page.as_uri())
        cases = [  # both win at nonce 3: 1.08 at a 2% edge (1.09 at 1%), 1.9 from the table
            ("0", "dice", {"target": "10.00", "condition": "over"}, "1.08"),
            ("1", "wheel", {"segments": "2", "risk": "mine"}, "1.9"),
        ]
        for index, game, bet, pays in cases:
            _fill(browser, "offering", index)
            _fill(browser, "scheme", "unbiased")
            _fill(browser, "server-seed", SERVER)
            _fill(browser, "client-seed", CLIENT)
            _fill(browser, "nonce", "3")
            for name, value in bet.items():
                _fill(browser, f"bet-{game}-{name}", value)
            browser.execute_script("document.getElementById('round-out').replaceChildren()")
            browser.find_element("id", "round-go").click()
            result = json.loads(_by_id(browser, "round-result").text)
            offering = catalog.versions()[int(index)]
            placed = offering.bet(bet)
            record = make_record(game, "unbiased", SERVER, CLIENT, 3, dict(placed.params))
            assert result == record["result"]
            assert (
                browser.find_element("id", "round-multiplier").text == record["multiplier"] == pays
            )

    def test_a_long_export_lists_what_matters(
        self, browser: Any, plain_page_url: str, tmp_path: Path
    ) -> None:
        """2,500 lines: every one is verified; the table lists the mismatch and the first 200
        matches, and says how many more matched."""
        lines = [
            json.dumps(
                make_record(
                    "dice", "stake", SERVER, CLIENT, n, {"target": "50", "condition": "over"}
                )
            )
            for n in range(2500)
        ]
        lines[1234] = lines[1234].replace('"roll": "', '"roll": "1')
        export = tmp_path / "long.jsonl"
        export.write_text("\n".join(lines), encoding="utf-8")
        browser.get(plain_page_url)
        browser.find_element("id", "records-file").send_keys(str(export))
        assert (
            _by_id(browser, "records-summary").text
            == "2500 lines: 2499 match, 1 mismatch, 0 malformed"
        )
        rows = browser.find_elements("css selector", "#records-table tbody tr")
        assert len(rows) == 201
        assert [
            r.get_attribute("data-line") for r in rows if r.get_attribute("data-status") != "match"
        ] == ["1235"]
        assert (
            "2299 more matching lines not listed." in browser.find_element("id", "records-out").text
        )

    def test_readable_on_a_phone(self, browser: Any, page_url: str) -> None:
        """At a phone's width nothing overflows sideways and every input has a label."""
        browser.set_window_size(390, 844)
        try:
            browser.get(page_url)
            width = browser.execute_script("return document.documentElement.scrollWidth")
            assert width <= browser.execute_script("return window.innerWidth")
            unlabeled = browser.execute_script(
                "return [...document.querySelectorAll('input, select, textarea')]"
                ".filter(e => !document.querySelector(`label[for='${e.id}']`)).map(e => e.id)"
            )
            assert unlabeled == []
            ARTIFACTS.mkdir(exist_ok=True)
            browser.save_screenshot(str(ARTIFACTS / "verifier-page-phone.png"))
        finally:
            browser.set_window_size(1200, 2400)
