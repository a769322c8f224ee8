"""The seed corpus report in headless Chromium: it renders, asks the network for nothing, logs no
error, shows every finding's headline and every chart, and fits a phone's width.

Chromium is Debian's package (/usr/bin/chromium). Without it the test is skipped, unless CI=true,
where a missing browser is a failure: CI must install it (see .ci/run).
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import struct
import subprocess
import time
import urllib.request
import zlib
from pathlib import Path

import pytest

from figcheck.config import load_settings
from figcheck.engine import check
from figcheck.report import write_report

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--remote-debugging-port=0"]


def _chromium() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    problem = None if found else "chromium is not installed (apt-get install chromium)"
    if found:
        try:
            import websocket  # noqa: F401
        except ImportError:
            problem = "websocket-client is not installed (pip install -e '.[test]')"
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    return found


class DevTools:
    """A minimal DevTools-protocol client: commands by id, events kept in order."""

    def __init__(self, ws_url: str):
        import websocket

        self.ws = websocket.create_connection(ws_url, timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []

    def send(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, after: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == method for e in self.events[after:]):
            if time.monotonic() > deadline:
                raise TimeoutError(method)
            self.events.append(json.loads(self.ws.recv()))

    def close(self):
        self.ws.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    binary = _chromium()
    profile = tmp_path_factory.mktemp("chromium-profile")
    proc = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("chromium did not start its DevTools endpoint")
            time.sleep(0.05)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
            pages = [t for t in json.load(resp) if t["type"] == "page"]
        tools = DevTools(pages[0]["webSocketDebuggerUrl"])
        for domain in ("Page", "Network", "Runtime", "Log"):
            tools.send(f"{domain}.enable")
        yield tools
        tools.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def seed_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = check(["figures.toml"], load_settings(ROOT))
    finally:
        os.chdir(cwd)
    write_report(result, out)
    return result, out


def _open(tools: DevTools, url: str, width: int, mobile: bool) -> list[dict]:
    tools.send("Emulation.setDeviceMetricsOverride", width=width, height=900, deviceScaleFactor=1,
               mobile=mobile)
    start = len(tools.events)
    tools.send("Page.navigate", url=url)
    tools.wait_for("Page.loadEventFired", start)
    tools.send("Runtime.evaluate", expression="1", awaitPromise=False)   # drain pending events
    return tools.events[start:]


def _page_facts(tools: DevTools) -> dict:
    script = """JSON.stringify({
      headlines: [...document.querySelectorAll('article.finding .headline')].map(e => e.textContent),
      charts: [...document.querySelectorAll('figure.chart-figure')].map(f => ({
          id: f.id, svg: f.querySelectorAll('svg').length,
          bars: f.querySelectorAll('svg g.bar').length,
          height: f.querySelector('svg') ? f.querySelector('svg').getBoundingClientRect().height : 0})),
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
      scripts: document.scripts.length,
      text: document.body.innerText,
    })"""
    result = tools.send("Runtime.evaluate", expression=script, returnByValue=True)
    return json.loads(result["result"]["value"])


def _problems(events: list[dict], page_url: str) -> list[str]:
    problems = []
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Network.requestWillBeSent" and params["request"]["url"] != page_url:
            problems.append(f"network request: {params['request']['url']}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
            problems.append(f"console {params['type']}: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            problems.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
        elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
            problems.append(f"log {params['entry']['level']}: {params['entry'].get('text')}")
    return problems


def _png_facts(data: bytes) -> tuple[int, int, int]:
    """(width, height, distinct byte values in the decoded pixels) of a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            chunks.append(data[pos + 8:pos + 8 + length])
        pos += 12 + length
    pixels = zlib.decompress(b"".join(chunks))
    return width, height, len(set(pixels[: 4_000_000]))


def test_report_renders_in_chromium_without_network_or_errors(browser, seed_report):
    result, out = seed_report
    url = (out / "index.html").as_uri()
    events = _open(browser, url, width=1000, mobile=False)
    assert _problems(events, url) == []
    requests = [e for e in events if e.get("method") == "Network.requestWillBeSent"]
    assert [r["params"]["request"]["url"] for r in requests] == [url]   # the page itself, nothing else

    facts = _page_facts(browser)
    assert facts["scripts"] == 0
    headlines = [" ".join(h.split()) for h in facts["headlines"]]
    assert headlines == [" ".join((f.headline or f.message).split()) for f in result.findings]
    chart_files = sorted(p.stem for p in out.glob("chart-*.svg"))
    assert sorted(c["id"] for c in facts["charts"]) == chart_files and len(chart_files) == 3
    for chart in facts["charts"]:
        assert chart["svg"] == 1 and chart["bars"] >= 2 and chart["height"] > 100, chart
    for rel in result.corpus.relations.values():     # what holds, with its quotes
        assert " ".join(rel.quote.split()) in " ".join(facts["text"].split())

    shot = base64.b64decode(browser.send("Page.captureScreenshot", format="png",
                                         captureBeyondViewport=True)["data"])
    (out / "screenshot.png").write_bytes(shot)
    width, height, distinct = _png_facts(shot)
    assert width == 1000 and height > 2000          # the whole page, not a blank viewport
    assert len(shot) > 50_000 and distinct > 100    # text, colours and charts, not one flat colour


def test_report_fits_a_phone(browser, seed_report):
    _, out = seed_report
    url = (out / "index.html").as_uri()
    events = _open(browser, url, width=375, mobile=True)
    assert _problems(events, url) == []
    facts = _page_facts(browser)
    # the page never scrolls sideways; a wide chart scrolls inside its own box
    assert facts["scrollWidth"] <= facts["clientWidth"] == 375
    shot = base64.b64decode(browser.send("Page.captureScreenshot", format="png",
                                         captureBeyondViewport=True)["data"])
    (out / "screenshot-phone.png").write_bytes(shot)
    assert _png_facts(shot)[0] == 375
