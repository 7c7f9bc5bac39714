"""What a finance user must never see on a screen, checked in the browser.

`problems_on_screen(page)` lists every exception box, every amount the layout cuts off (in the
page's text and inside the data grids, which draw on a canvas), and every raw code or empty
marker. Grid cells are read from the grid's own props (all rows, not only the visible ones) and
measured with the grid's font, so a column too narrow for an amount is found even when the grid
would only clip it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Every grid's columns as rendered (title, width) and, per cell, its text and the pixels it needs.
_GRIDS_JS = """
() => [...document.querySelectorAll('[data-testid="stDataFrame"]')].map((frame) => {
  const canvas = frame.querySelector('canvas');
  if (!canvas) return null;
  const key = Object.keys(canvas).find(k => k.startsWith('__reactFiber'));
  let fiber = key ? canvas[key] : null;
  let props = null;
  while (fiber) {
    const p = fiber.memoizedProps;
    if (p && Array.isArray(p.columns) && p.columns.length && typeof p.columns[0].width === 'number'
        && typeof p.getCellContent === 'function' && typeof p.rows === 'number') {
      props = p; break;
    }
    fiber = fiber.return;
  }
  if (!props) return null;
  const style = getComputedStyle(frame.querySelector('.stDataFrameGlideDataEditor'));
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = style.getPropertyValue('--gdg-base-font-style') + ' '
    + style.getPropertyValue('--gdg-font-family');
  const pad = parseFloat(style.getPropertyValue('--gdg-cell-horizontal-padding')) || 8;
  return props.columns.map((column, c) => {
    const cells = [];
    for (let r = 0; r < Math.min(props.rows, 300); r++) {
      const cell = props.getCellContent([c, r]);
      const text = String(cell.displayData ?? cell.data ?? '');
      cells.push([text, Math.ceil(ctx.measureText(text).width + 2 * pad)]);
    }
    return {title: String(column.title), width: column.width, cells};
  });
})
"""

# Text the page draws but cuts: an element narrower than its own text, with the rest hidden.
_CLIPPED_TEXT_JS = """
() => {
  const inline = new Set(['P', 'SPAN', 'STRONG', 'EM', 'CODE', 'B', 'I', 'A']);
  const hides = (el) => {
    for (let up = el, n = 0; up && n < 6; up = up.parentElement, n++) {
      const s = getComputedStyle(up);
      if (s.textOverflow === 'ellipsis' || ['hidden', 'clip'].includes(s.overflowX)) return true;
    }
    return false;
  };
  const cut = [];
  for (const el of document.querySelectorAll('[data-testid="stMain"] *, [role="dialog"] *')) {
    if (el.closest('[data-testid="stDataFrame"], svg') || !/\\d/.test(el.textContent || '')) continue;
    if ([...el.children].some(child => !inline.has(child.tagName))) continue;
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1 && hides(el)) {
      cut.push(`'${el.textContent.trim().slice(0, 80)}' (${el.clientWidth}px of ${el.scrollWidth}px)`);
    }
  }
  return cut;
}
"""

AMOUNT = re.compile(r"^[-+]?\d[\d,]*(\.\d+)?( [A-Z]{2,6})?$")
# Raw codes and empty markers: SEND_FAILED, binance_id_invalid:, None, nan, JSON, '(s)'.
RAW = [
    (re.compile(r"\b[A-Z]{2,}(?:_[A-Z]{2,})+\b"), "a raw status code"),
    (re.compile(r"\b[a-z]+(?:_[a-z]+)+:"), "a raw error code"),
    (re.compile(r"(?<![\w-])(?:None|nan|NaN|null)(?![\w-])"), "an empty marker"),
    (re.compile(r"[{\[]\s*\""), "raw JSON"),
    (re.compile(r"\w\(s\)"), "an '(s)' plural"),
]
# The Settings page names the environment variables on purpose (that is where they are set),
# the providers' own among them.
ALLOWED = re.compile(r"\b(?:PAYDESK|BINANCE_PAY|DATABASE|MONETIX|JUICYWAY)_[A-Z_]+\b")


@dataclass(frozen=True)
class Grid:
    columns: list[dict[str, Any]]

    def column(self, title: str) -> list[str]:
        return next([c[0] for c in col["cells"]] for col in self.columns if col["title"] == title)

    def titles(self) -> list[str]:
        return [col["title"] for col in self.columns]


def grids(page: Any) -> list[Grid]:
    return [Grid(g) for g in page.evaluate(_GRIDS_JS) if g]


def grid_with(page: Any, *titles: str) -> Grid:
    """The first grid on the page that has all these column titles."""
    found = [g for g in grids(page) if set(titles) <= set(g.titles())]
    assert found, f"no table with columns {titles}: {[g.titles() for g in grids(page)]}"
    return found[0]


def clipped_amounts_in_grids(page: Any) -> list[str]:
    found = []
    for index, grid in enumerate(grids(page)):
        for col in grid.columns:
            cut = [(text, needed) for text, needed in col["cells"]
                   if AMOUNT.match(text) and needed > col["width"]]
            if cut:  # the widest one says enough
                text, needed = max(cut, key=lambda item: item[1])
                found.append(f"table {index + 1}, {col['title']}: '{text}' needs {needed}px, "
                             f"has {col['width']}px ({len(cut)} cut)")
    return found


def raw_codes(texts: list[str]) -> list[str]:
    found = []
    for text in texts:
        cleaned = ALLOWED.sub("", text)
        for pattern, what in RAW:
            match = pattern.search(cleaned)
            if match:
                found.append(f"{what} '{match.group(0)}' in '{text.strip()[:100]}'")
    return found


# Grids and the page itself, wider than the window shows: the user has to scroll sideways.
_SIDEWAYS_JS = """
() => {
  const wide = [];
  document.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller').forEach((s, i) => {
    if (s.scrollWidth > s.clientWidth + 1)
      wide.push(`table ${i + 1}: ${s.scrollWidth}px in ${s.clientWidth}px`);
  });
  const main = document.querySelector('[data-testid="stMain"]');
  if (main && main.scrollWidth > main.clientWidth + 1)
    wide.push(`the page: ${main.scrollWidth}px in ${main.clientWidth}px`);
  return wide;
}
"""


def sideways_scrolling(page: Any) -> list[str]:
    """Every table (and the page) that needs a horizontal scroll to be read whole."""
    return list(page.evaluate(_SIDEWAYS_JS))


def problems_on_screen(page: Any) -> list[str]:
    problems = [f"exception: {text[:200]}"
                for text in page.get_by_test_id("stException").all_inner_texts()]
    problems += [f"cut off: {text}" for text in page.evaluate(_CLIPPED_TEXT_JS)]
    problems += clipped_amounts_in_grids(page)
    main_text = page.get_by_test_id("stMain").inner_text()
    cells = [text for grid in grids(page) for col in grid.columns for text, _ in col["cells"]]
    problems += raw_codes(main_text.splitlines() + cells)
    return list(dict.fromkeys(problems))  # a code repeated on 50 rows is one problem
