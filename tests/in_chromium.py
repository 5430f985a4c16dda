"""A page as its reader opens it: headless Chromium at 1280 x 900 with axe-core (vendored in
tests/fixtures/axe-core) run on it, for the list, overview and chart tests."""

from __future__ import annotations

import html as htmllib
import json
import re
import shutil
import subprocess
from pathlib import Path

AXE = Path(__file__).parent / "fixtures" / "axe-core" / "axe.min.js"
PROBE = """<script>%s</script>
<script>
window.addEventListener('load', () => {
  const out = {innerWidth: window.innerWidth, scrollWidth: document.documentElement.scrollWidth, status: []};
  for (const th of document.querySelectorAll('table.data-table thead th')) {
    if (th.textContent.trim() === 'Status') {
      const box = th.getBoundingClientRect();
      out.status.push({left: box.left, right: box.right, top: box.top, bottom: box.bottom});
    }
  }
  axe.run(document, {resultTypes: ['violations']}).then(results => {
    out.rules = results.passes.length + results.violations.length + results.incomplete.length;
    out.violations = results.violations.map(v => ({id: v.id, help: v.help,
                                                   nodes: v.nodes.map(n => n.html).slice(0, 3)}));
  }).catch(error => { out.error = String(error); }).finally(() => {
    const pre = document.createElement('pre');
    pre.id = 'measured';
    pre.textContent = JSON.stringify(out);
    document.body.appendChild(pre);
  });
});
</script>
"""


def measure_in_chromium(page: Path, tmp_path: Path) -> dict:
    """Open a copy of `page` (axe-core and a probe added before </body>) in headless Chromium at
    1280 x 900 and return what the probe measured: the document's scroll width, the Status header's
    box and axe-core's violations. --virtual-time-budget lets axe's promise settle before the DOM is
    dumped (the same --dump-dom as tests/test_board.py: no DevTools client needed)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "headless Chromium is needed (make setup installs Debian's chromium)"
    probe = tmp_path / f"probe-{page.name}"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE % AXE.read_text(encoding="utf-8")
                                                              + "</body>"), encoding="utf-8")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--hide-scrollbars",
             f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1280,900", "--virtual-time-budget=30000"]
    dom = subprocess.run([chromium, *flags, "--dump-dom", probe.as_uri()], capture_output=True, text=True,
                         timeout=180).stdout
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
    assert found, f"the probe did not report: {dom[-400:]}"
    measured = json.loads(htmllib.unescape(found.group(1)))
    assert "error" not in measured and measured["innerWidth"] == 1280, measured
    assert measured["rules"] > 20, "axe-core ran no rules"
    return measured
