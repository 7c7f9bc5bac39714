"""Elements every page shares: the mode banner and the not-yet-built notice."""

from __future__ import annotations

import streamlit as st

from dashboard.runtime import get_services


def render_mode_banner() -> None:
    settings = get_services().settings
    if settings.is_sandbox:
        st.sidebar.info(
            "**Sandbox mode**: no real money moves. Every payment provider (Binance Pay, "
            "Monetix, Juicyway) is simulated in-process.",
            icon=":material/science:",
        )
    else:
        st.sidebar.warning("**Live mode**: actions move real money.", icon=":material/bolt:")
    # Allowed only with <PROVIDER>_ALLOW_CUSTOM_BASE_URL; nobody should forget it is on.
    for provider, url in settings.custom_base_urls.items():
        title = provider.replace("_", " ").title()
        st.error(
            f"**{title} host override**: live calls go to {url}, not {title}'s own host "
            f"({provider.upper()}_ALLOW_CUSTOM_BASE_URL is set).",
            icon=":material/warning:",
        )


# Streamlit cuts a metric that does not fit its tile with an ellipsis ('9,…' at 800 px, 'Gross …'
# for 'Gross USDT'), and a link's or button's label too ('Download XLSX (3,0…'): they wrap instead
# (at a space first, inside a number only as a last resort) and metric values shrink with the
# window, so every digit stays on screen.
_LAYOUT_CSS = """
<style>
[data-testid="stMetricValue"] { font-size: clamp(1.2rem, 2.2vw, 2.25rem); }
[data-testid="stMetricValue"] p, [data-testid="stMetricLabel"] p, [data-testid="stMetricDelta"] p,
[data-testid="stMetricDelta"] [data-testid="stMarkdownContainer"],
[data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"],
[data-testid="stPageLink"] p, [data-testid="stPageLink"] [data-testid="stMarkdownContainer"],
button p, button [data-testid="stMarkdownContainer"] {
  white-space: normal; overflow: visible; text-overflow: clip; overflow-wrap: anywhere;
}
/* Narrow windows: 5rem of margin on each side of the page is width the tables need. */
@media (max-width: 1200px) {
  [data-testid="stMainBlockContainer"] { padding-left: 2rem; padding-right: 2rem; }
}
</style>
"""


# Streamlit folds the sidebar away only below 768 px; at 800 px it kept 300 px of navigation and
# left the page 500 px (amounts wrapped, buttons cut), and up to 1200 px the Orders and Overview
# tables still scrolled sideways beside it. Up to this width it folds when the window gets there
# and after each page change (as Streamlit does on phones); the chevron at the top left opens it.
NARROW_PX = 1200
_SIDEBAR_JS = """
<script>
(() => {
  if (window.__paydeskSidebar) return;  // one watcher per browser tab, whatever the reruns
  window.__paydeskSidebar = true;
  const narrow = () => window.innerWidth <= __NARROW__;
  const fold = (tries) => {
    const sidebar = document.querySelector('[data-testid="stSidebar"]');
    const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (sidebar && button && sidebar.getAttribute('data-collapsed') === 'false') button.click();
    else if (!sidebar && tries > 0) setTimeout(() => fold(tries - 1), 200);
  };
  let wasNarrow = false;
  let path = location.pathname;
  const check = () => {
    const now = narrow();
    if (now && (!wasNarrow || location.pathname !== path)) fold(25);
    wasNarrow = now;
    path = location.pathname;
  };
  window.addEventListener('resize', check);
  setInterval(check, 300);
  check();
})();
</script>
""".replace("__NARROW__", str(NARROW_PX))


def render_layout_fixes() -> None:
    st.html(_LAYOUT_CSS)
    st.html(_SIDEBAR_JS, unsafe_allow_javascript=True)


def not_built_yet(title: str, what: str) -> None:
    st.title(title)
    st.info(f"{what} is not built yet.", icon=":material/construction:")
