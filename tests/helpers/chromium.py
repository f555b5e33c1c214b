"""Open a page in a real headless Chromium and report what a reader's browser would see go wrong.

Chromium is driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: file
descriptors 3 and 4, messages separated by NUL bytes), so no websocket library or driver is needed.
Every request the page makes is recorded, with console messages, script exceptions, failed loads
and CSP violations (which Chromium reports as console/log errors).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--remote-debugging-pipe",
    "--disable-extensions",
    "--hide-scrollbars",
]


def chromium_binary() -> str | None:
    return next(
        (found for name in ("chromium", "chromium-browser", "google-chrome") if (found := shutil.which(name))), None
    )


@dataclass
class PageReport:
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    screenshot: bytes = b""
    text: str = ""


class _Pipe:
    def __init__(self, to_browser, from_browser):
        self.to_browser, self.from_browser = to_browser, from_browser
        self.next_id, self.events, self.buffer = 0, [], b""

    def call(self, method: str, session: str | None = None, timeout: float = 30, **params) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self._read()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)
        raise TimeoutError(method)

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((e for e in self.events if e.get("method") == method), None)
            if found:
                return found
            self.events.append(self._read())
        raise TimeoutError(method)

    def _read(self) -> dict:
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise EOFError("chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)


def open_page(path: Path, *, width: int = 1200, height: int = 1600, settle: float = 1.0) -> PageReport:
    """Load `path` (a local HTML file), wait until it has loaded and settled, and report."""
    to_browser_read, to_browser_write = os.pipe()
    from_browser_read, from_browser_write = os.pipe()
    # Chromium's helper processes may still be writing to the profile while it is removed
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        # The child gets the pipes as fds 3 and 4, as Chromium expects.
        def child_fds():
            # Move both ends clear of 3 and 4 first: either may already sit on 3 or 4.
            read, write = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_read, from_browser_write))
            for fd, target in ((read, 3), (write, 4)):
                os.dup2(fd, target)
                os.set_inheritable(target, True)

        log = open(Path(profile) / "stderr.log", "wb")  # noqa: SIM115 - the browser writes it until it is killed below
        browser = subprocess.Popen(
            [chromium_binary(), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=child_fds,
            close_fds=False,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        try:
            return _inspect(_Pipe(to_browser_write, from_browser_read), path, width, height, settle)
        except (EOFError, BrokenPipeError, TimeoutError) as exc:
            raise RuntimeError(
                f"chromium failed ({exc}): {(Path(profile) / 'stderr.log').read_text()[-2000:]}"
            ) from exc
        finally:
            log.close()
            os.killpg(browser.pid, signal.SIGKILL)  # the browser and its zygote, GPU and crashpad children
            browser.wait(timeout=30)
            os.close(to_browser_write)
            os.close(from_browser_read)


def _inspect(pipe: _Pipe, path: Path, width: int, height: int, settle: float) -> PageReport:
    target = pipe.call("Target.createTarget", url="about:blank")["targetId"]
    session = pipe.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        pipe.call(f"{domain}.enable", session)
    pipe.call(
        "Emulation.setDeviceMetricsOverride", session, width=width, height=height, deviceScaleFactor=1, mobile=False
    )
    pipe.events.clear()
    pipe.call("Page.navigate", session, url=path.resolve().as_uri())
    pipe.wait_for("Page.loadEventFired")
    time.sleep(settle)
    report = PageReport()
    report.text = pipe.call("Runtime.evaluate", session, expression="document.body.innerText")["result"]["value"]
    shot = pipe.call("Page.captureScreenshot", session, format="png", captureBeyondViewport=True)
    report.screenshot = base64.b64decode(shot["data"])
    for event in pipe.events:
        _record(event, report)
    return report


def _record(event: dict, report: PageReport) -> None:
    method, params = event.get("method"), event.get("params", {})
    if method == "Network.requestWillBeSent":
        report.requests.append(params["request"]["url"])
    elif method == "Network.loadingFailed":
        report.failed.append(f"{params.get('errorText')} {params.get('blockedReason', '')}".strip())
    elif method == "Runtime.consoleAPICalled":
        report.console.append(f"{params['type']}: " + " ".join(str(a.get("value")) for a in params.get("args", [])))
    elif method == "Runtime.exceptionThrown":
        report.errors.append(params["exceptionDetails"].get("text", "exception"))
    elif method == "Log.entryAdded" and params["entry"]["level"] in ("error", "warning"):
        report.errors.append(f"{params['entry']['source']}: {params['entry']['text']}")
