"""Every page reads in plain Chinese: no code identifiers, file paths, spec files or command-line
flags in what a person sees, outside the folded 方法说明 notes meant for analysts. Names of
uploaded files (``.file-name``) are shown as their owners named them."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/?screen=big",
    "/briefing",
    "/targets",
    "/targets?target=system_cloud_rate",
    "/plan-tasks",
    "/planning",
    "/city/320500",
    "/economy",
    "/indicators",
    "/indicators?code=hotline_tickets",
    "/risk",
    "/tasks",
    "/reports",
    "/data",
    "/inbox",
    "/audit",
]
# snake_case words, paths to source or spec files, .yaml, --flags, statistics jargon
CODE = re.compile(
    r"[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+"
    r"|[\w-]+/[\w/-]+\.(?:py|yaml|yml|md|json)"
    r"|\.ya?ml\b"
    r"|(?<![\w-])--[a-z][\w-]+"
    # statistics jargon a leader should not have to read: z scores, STL, 异常分
    r"|(?<![A-Za-z])z\s*=\s*-?\d|\bSTL\b|异常分"
)
# the page's visible text without the method notes (a copy, so the page itself is untouched)
VISIBLE_TEXT = """() => {
  const root = document.querySelector('#_pages_content');
  const copy = root.cloneNode(true);
  copy.querySelectorAll('details.method-note, .file-name').forEach(e => e.remove());
  copy.style.position = 'absolute';
  copy.style.left = '-99999px';
  document.body.appendChild(copy);
  const text = copy.innerText;
  copy.remove();
  return text;
}"""


def test_plain001_pages_show_no_code_identifiers(tab):
    found = {}
    for path in PAGES:
        page = tab.open(path) if "screen=big" not in path else _open_big(tab, path)
        page.wait_for_load_state("networkidle")
        text = page.evaluate(VISIBLE_TEXT)
        assert len(text) > 20, f"{path} shows its content"
        hits = sorted({m.group(0) for m in CODE.finditer(text)})
        if hits:
            found[path] = hits
    assert found == {}, "\n".join(f"{p}: {h}" for p, h in found.items())


def test_plain002_the_scan_catches_what_it_is_meant_to():
    caught = [
        "数据来源：target_progress",
        "见 docs/tracking-methods.md",
        "规则（early_warning.yaml）",
        "可用 --dataset 指定",
        "最高为预期的 4.2 倍（异常点，z=19.2）",
        "STL 稳健分解",
        "异常分",
    ]
    for text in caught:
        assert CODE.search(text), text
    for text in ("一件事通办完成率 80%（2025 年）", "12345 热线", "A-1 号", "2024-12"):
        assert not CODE.search(text), text


def _open_big(tab, path):
    tab.page.goto(tab.base_url + path)
    tab.page.wait_for_selector("#_pages_content .big-canvas, #_pages_content h1", timeout=30_000)
    return tab.page
