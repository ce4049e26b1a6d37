"""The fleet report opened as an operator opens it: Debian's chromium, headless, on the file itself. Chromium is
kept off the network (no background services, every host name resolves to nothing): the page must need none.

``dom`` is the document after Chromium parsed and laid it out; ``screenshot`` what the operator sees, kept under
build/artefacts; ``first_row_verdict`` reads the colour of the first instance row in it."""

import os
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser

from PIL import Image

ARTEFACTS = os.path.join(os.path.dirname(__file__), "..", "..", "build", "artefacts")

# the row tints of report.html.j2 (tr.instance.<verdict> td): nothing else on the page has them
ROW_TINTS = {"failing": (0xFD, 0xEC, 0xEA), "warning": (0xFF, 0xF4, 0xE0), "ok": (0xED, 0xF7, 0xED)}

FLAGS = (
    "--headless",
    "--no-sandbox",  # root on this machine
    "--disable-gpu",
    "--hide-scrollbars",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def chromium():
    path = shutil.which("chromium")
    assert path, "chromium is missing: make test installs it (sandbox/engine.sh)"
    return path


def _run(*args):
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )


def dom(html_path):
    return _run("--dump-dom", "file://" + os.path.abspath(html_path)).stdout


def screenshot(html_path, name, width=1400, height=1000):
    """The page as a PNG under build/artefacts/NAME.png; its path."""
    os.makedirs(ARTEFACTS, exist_ok=True)
    png = os.path.abspath(os.path.join(ARTEFACTS, name + ".png"))
    _run(f"--screenshot={png}", f"--window-size={width},{height}", "file://" + os.path.abspath(html_path))
    assert os.path.getsize(png) > 0, png
    return png


def pdf(html_path, name):
    """The page printed (Chromium's print to PDF) under build/artefacts/NAME.pdf; its size in bytes."""
    os.makedirs(ARTEFACTS, exist_ok=True)
    out = os.path.abspath(os.path.join(ARTEFACTS, name + ".pdf"))
    _run("--no-pdf-header-footer", f"--print-to-pdf={out}", "file://" + os.path.abspath(html_path))
    return os.path.getsize(out)


def first_row_verdict(png, min_pixels=200):
    """The verdict whose row tint appears first from the top of the screenshot (None: no row is visible)."""
    with Image.open(png) as img:
        rgb = img.convert("RGB")
        width, height = rgb.size
        pixels = rgb.load()
        for y in range(height):
            line = [pixels[x, y] for x in range(width)]
            for verdict, tint in ROW_TINTS.items():
                if line.count(tint) >= min_pixels:
                    return verdict
    return None


class Report(HTMLParser):
    """The report as the DOM has it: the instance rows in order ({host, verdict, cells by class}), the counts, and
    the hit-latency rows."""

    def __init__(self, text):
        super().__init__()
        self.rows, self.hits, self.counts, self.ids = [], {}, {}, {}
        self.links, self.anchors = [], set()  # in-page links (#...) and the ids they may point to
        self._row, self._cell, self._text, self._id = None, None, [], None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if attrs.get("id"):
            self.anchors.add(attrs["id"])
        if tag == "a" and (attrs.get("href") or "").startswith("#"):
            self.links.append(attrs["href"][1:])
        if tag == "tr" and "instance" in classes:
            self._row = {"host": attrs["data-host"], "verdict": attrs["data-verdict"], "cells": {}}
            self.rows.append(self._row)
        elif tag == "tr" and "data-cache" in attrs:
            self._row = {"host": attrs["data-host"], "cache": attrs["data-cache"], "cells": {}}
            self.hits[attrs["data-host"]] = self._row
        elif tag == "td" and self._row is not None:
            self._cell, self._text = (classes[0] if classes else f"col{len(self._row['cells'])}"), []
        if "data-count" in attrs:
            self.counts[attrs["id"].removeprefix("count-")] = int(attrs["data-count"])
        elif tag in ("span", "time") and "id" in attrs:
            self._id = attrs["id"]

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row["cells"][self._cell] = " ".join("".join(self._text).split())
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag in ("span", "time"):
            self._id = None

    def handle_data(self, data):
        if self._cell is not None:
            self._text.append(data)
        if self._id:
            self.ids[self._id] = self.ids.get(self._id, "") + data.strip()
