"""A headless chromium driven over the DevTools protocol on a pipe (stdlib only, no websocket package).

`--remote-debugging-pipe` makes chromium read commands on fd 3 and write replies on fd 4, each a
JSON object ending in a NUL byte. That is enough to load a page, watch its console and network
events, evaluate assertions, and capture a screenshot and a PDF.
"""
from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
         "--disable-default-apps", "--mute-audio", "--remote-debugging-pipe")
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT = 60.0


def find_chromium():
    """The browser binary, or None: the test skips with a reason where there is none."""
    for name in CANDIDATES:
        path = shutil.which(name) if not name.startswith("/") else (name if os.access(name, os.X_OK) else None)
        if path:
            return path
    return None


def page_count(pdf: bytes) -> int:
    """Pages of a PDF that chromium printed (each page object says /Type /Page)."""
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


# Every line box of visible text (HTML text through Range rects, SVG text per element), then the
# pairs that overlap (a sweep over boxes sorted by top), the elements whose content is wider than
# they are, SVG labels outside their chart, and text columns squeezed narrower than 5 em (about ten
# letters: the one-letter-per-line columns of a collapsed table).
LAYOUT = r"""(() => {
  const boxes = [];
  const seen = new Set();
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!node.textContent.trim() || parent.closest('title, style, script')) continue;
    if (parent.closest('svg')) {
      const el = parent.closest('tspan') || parent.closest('text');
      if (seen.has(el)) continue;
      seen.add(el);
      const r = el.getBoundingClientRect();
      if (r.width > 0) boxes.push({l: r.left, t: r.top, r: r.right, b: r.bottom, text: el.textContent.trim(), el});
      continue;
    }
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width > 0.5 && r.height > 0.5) boxes.push({l: r.left, t: r.top, r: r.right, b: r.bottom, text: node.textContent.trim().slice(0, 40), el: parent});
    }
  }
  boxes.sort((a, b) => a.t - b.t);
  const overlaps = [];
  for (let i = 0; i < boxes.length && overlaps.length < 20; i++) {
    for (let j = i + 1; j < boxes.length && boxes[j].t < boxes[i].b - 1; j++) {
      const a = boxes[i], b = boxes[j];
      const w = Math.min(a.r, b.r) - Math.max(a.l, b.l), h = Math.min(a.b, b.b) - Math.max(a.t, b.t);
      if (w > 1.5 && h > 1.5 && a.el !== b.el) overlaps.push([a.text, b.text]);
    }
  }
  const overflows = [];
  const blocks = document.querySelectorAll('td, th, p, li, h1, h2, h3, .kpi, .banner, .grade, table, header, section, main');
  for (const el of blocks) {
    if (el.getClientRects().length && el.scrollWidth > el.clientWidth + 1) overflows.push(el.tagName + ': ' + el.textContent.trim().slice(0, 60));
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) overflows.push('page wider than the window');
  for (const svg of document.querySelectorAll('svg')) {
    const box = svg.getBoundingClientRect();
    for (const text of svg.querySelectorAll('text')) {
      const r = text.getBoundingClientRect();
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1)
        overflows.push('svg text outside its chart: ' + text.textContent.trim());
    }
  }
  const squeezed = [];
  for (const cell of document.querySelectorAll('td, th')) {
    if (!cell.textContent.trim() || cell.matches('.num, .cell, .blank, .vendor')) continue;
    const style = getComputedStyle(cell);
    const width = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (width / parseFloat(style.fontSize) < 5) squeezed.push(Math.round(width) + 'px wide: ' + cell.textContent.trim().slice(0, 60));
  }
  // A word (letters and digits) split across two lines although the text around it, up to the
  // next spaces, would fit its block on one line: text may break at spaces and punctuation
  // ("/", "-", "(", "=", "_" ...), never inside a word. A run longer than its block has to break
  // somewhere, except in a column header, which must be wide enough for its words.
  const broken = [];
  const words = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const lines = (node, start, end) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    const rects = [...range.getClientRects()].filter((r) => r.width > 0.5);
    return {tops: new Set(rects.map((r) => Math.round(r.top))).size, width: rects.reduce((sum, r) => sum + r.width, 0)};
  };
  while (words.nextNode() && broken.length < 20) {
    const node = words.currentNode, parent = node.parentElement;
    if (parent.closest('svg, title, style, script') || !parent.getClientRects().length) continue;
    const block = parent.closest('td, th, p, li, h1, h2, h3, div');
    if (!block) continue;
    const style = getComputedStyle(block);
    const room = block.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const runs = /\S+/g;
    let run;
    while ((run = runs.exec(node.textContent)) && broken.length < 20) {
      const whole = lines(node, run.index, run.index + run[0].length);
      const header = block.tagName === 'TH';
      if (whole.tops < 2 || (whole.width > room && !header)) continue;
      const parts = /[A-Za-z0-9]{2,}/g;
      let part;
      while ((part = parts.exec(run[0]))) {
        if (lines(node, run.index + part.index, run.index + part.index + part[0].length).tops > 1)
          broken.push(part[0] + ' in ' + run[0].slice(0, 50) + ' (' + Math.round(whole.width) + 'px in ' + Math.round(room) + 'px)');
      }
    }
  }
  return {boxes: boxes.length, overlaps, overflows: overflows.slice(0, 20), squeezed: squeezed.slice(0, 20), broken};
})()"""


class Chromium:
    """One browser, one page session; `events` keeps every event the page sent."""

    def __init__(self, binary: str, profile: Path):
        import fcntl  # POSIX only, like the fd-3/fd-4 pipe itself

        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Copies above fd 10, so moving them onto 3 and 4 in the child cannot clobber each other.
        # close_fds=False keeps the dup2'd 3 and 4; every other descriptor is close-on-exec (PEP 446).
        high_r, high_w = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_r, from_browser_w))

        def wire():
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        self.proc = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                     preexec_fn=wire, close_fds=False, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        for fd in (to_browser_r, from_browser_w, high_r, high_w):
            os.close(fd)
        self._buffer, self._next_id, self.events, self.session = b"", 0, [], None

    def send(self, method: str, params: dict | None = None, session: bool = True) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        reply = self._wait(lambda m: m.get("id") == self._next_id)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method: str) -> dict:
        return self._wait(lambda m: m.get("method") == method)

    def _wait(self, wanted) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while True:
            while b"\0" in self._buffer:
                raw, self._buffer = self._buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "method" in message:
                    self.events.append(message)
                if wanted(message):
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._from_browser], [], [], remaining)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed the DevTools pipe")
            self._buffer += chunk

    def open(self, url: str, width: int = 1100, height: int = 1400) -> None:
        """A fresh page with every event domain on, loaded from `url`."""
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        self.events.clear()
        self.send("Page.navigate", {"url": url})
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"evaluation failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path) -> None:
        """The whole page, not just the viewport."""
        size = self.send("Page.getLayoutMetrics")["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        data = self.send("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True})["data"]
        path.write_bytes(base64.b64decode(data))

    def pdf(self, path: Path) -> int:
        """Print the page as the browser would (A4 from the page's @page rule); returns the page count.

        Any screen emulation is lifted first: a forced viewport would change what prints.
        """
        self.send("Emulation.clearDeviceMetricsOverride")
        self.send("Emulation.setEmulatedMedia", {"media": ""})
        data = base64.b64decode(self.send("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True})["data"])
        path.write_bytes(data)
        return page_count(data)

    def media(self, kind: str, width: int) -> None:
        """Lay the page out for `kind` ("screen" or "print") at `width` CSS pixels."""
        self.send("Emulation.setEmulatedMedia", {"media": kind})
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": 1400, "deviceScaleFactor": 1, "mobile": False})

    def hide(self, selector: str) -> None:
        """Take `selector` out of the layout (and so out of print), e.g. to measure the part before an appendix."""
        self.evaluate("(() => { const s = document.createElement('style'); s.textContent = %s + ' { display: none !important; }';"
                      " document.head.appendChild(s); return true; })()" % json.dumps(selector))

    def layout_problems(self) -> dict:
        """Text boxes that overlap, text that overflows its container, and cells squeezed to a few letters."""
        return self.evaluate(LAYOUT)

    def problems(self, page_url: str) -> dict:
        """Console errors, uncaught exceptions and every request other than the page itself."""
        errors = [e["params"] for e in self.events if e["method"] == "Runtime.exceptionThrown"]
        errors += [e["params"] for e in self.events if e["method"] == "Runtime.consoleAPICalled"
                   and e["params"].get("type") in ("error", "assert", "warning")]
        errors += [e["params"] for e in self.events if e["method"] == "Log.entryAdded"
                   and e["params"]["entry"].get("level") in ("error", "warning")]
        requests = [e["params"]["request"]["url"] for e in self.events if e["method"] == "Network.requestWillBeSent"]
        return {"console": errors, "requests": [url for url in requests if url != page_url]}

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_browser, self._from_browser):
            os.close(fd)
