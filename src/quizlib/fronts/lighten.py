"""Lighter book pages for learners on phones: each page links only the stylesheets and scripts its content uses,
and the theme's icon fonts keep only the icons the book shows.

What Jupyter Book's extensions add to every page whether it needs them or not: sphinx-design's stylesheet and tab
script (for ``sd-`` cards and tabs), sphinx-togglebutton's (for toggled and dropdown blocks), sphinx-copybutton's
with clipboard.js (for code blocks), Pygments' colours (for highlighted code) and sphinx-thebe's stylesheet (live
code, which this book does not offer). The theme also loads Sphinx's search scripts and the whole search index on
every page for a search-as-you-type box that is turned off; the search page loads them itself.

The icon fonts (Font Awesome, about 150 KiB for the solid style alone) hold some 2,000 icons, of which the book
shows about twenty. :func:`subset_icon_fonts` keeps the icons that a page, a script or the theme's stylesheet
names, and drops the stylesheet's rules for the others; the results are kept beside the doctrees so that a
rebuild (which copies the theme's files afresh) redoes nothing but a file copy.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

# stylesheet or script file name -> the page content that needs it (a regular expression over the page's body)
_NEEDED_FOR = {
    "sphinx-design.min.css": r'class="[^"]*\bsd-',
    "design-tabs.js": r'class="[^"]*\bsd-tab',
    "togglebutton.css": r'class="[^"]*\b(?:toggle|dropdown)\b',
    "togglebutton.js": r'class="[^"]*\b(?:toggle|dropdown)\b',
    "copybutton.css": r"<pre\b",
    "copybutton.js": r"<pre\b",
    "clipboard.min.js": r"<pre\b",
    "pygments.css": r'class="[^"]*\bhighlight',
    "sphinx-thebe.css": r"(?!)",  # never: live code is not offered
}
_INLINE_FOR = {"togglebutton.js": ("togglebuttonSelector", "toggleHint", "toggleOpenOnPrint")}
_NEEDED = {name: re.compile(pattern) for name, pattern in _NEEDED_FOR.items()}


def _name(asset) -> str:
    return str(getattr(asset, "filename", None) or asset).rsplit("/", 1)[-1].split("?", 1)[0]


def _body(asset) -> str:
    return str((getattr(asset, "attributes", {}) or {}).get("body", ""))


def prune_assets(app, pagename, templatename, context, doctree) -> None:
    """Leave out of this page the stylesheets and scripts (and their inline settings) that nothing on it uses."""
    body = context.get("body", "") or ""
    unused = {name for name, needed in _NEEDED.items() if not needed.search(body)}
    settings = tuple(marker for name in unused for marker in _INLINE_FOR.get(name, ()))
    if "css_files" in context:
        context["css_files"] = [c for c in context["css_files"] if _name(c) not in unused]
    if "script_files" in context:
        context["script_files"] = [
            s
            for s in context["script_files"]
            if _name(s) not in unused and not (settings and any(m in _body(s) for m in settings))
        ]


# -- icon fonts ------------------------------------------------------------------------------------------------
THEME_CSS = "_static/styles/pydata-sphinx-theme.css"
FONTS = "_static/vendor/fontawesome/webfonts"
_ICON_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:(?::)?before,?)+)\{content:"\\([0-9a-f]{3,5})"\}')
_CODEPOINT = re.compile(r'"\\((?:f|e)[0-9a-f]{3})"')
_PRIVATE_USE = (0xE000, 0xF8FF)  # where the icon fonts keep their icons
_ICON_CLASS = re.compile(r"\bfa-[a-z0-9-]+")
_RECIPE = "icons-2"  # change when what subset_icon_fonts makes changes: results kept from before are not reused
_NOT_SHOWN = ("fontawesome.js",)  # the icon script the pages leave out (sphinx_ext) names every icon


def _used_icon_classes(outdir: Path) -> set[str]:
    used: set[str] = set()
    for path in [*outdir.rglob("*.html"), *(outdir / "_static").rglob("*.js")]:
        if path.name in _NOT_SHOWN or "_sources" in path.parts:
            continue
        used.update(_ICON_CLASS.findall(path.read_text(encoding="utf-8", errors="replace")))
    return used


def _lighter_css(css: str, used: set[str]) -> tuple[str, set[int]]:
    """The theme's stylesheet without rules for icons no page uses, and the code points still needed."""
    codepoints: set[int] = set()

    def keep(m: re.Match) -> str:
        names = {n.split(":")[0].lstrip(".") for n in m[1].split(",") if n}
        if names & used:
            codepoints.add(int(m[2], 16))
            return m[0]
        return ""

    lighter = _ICON_RULE.sub(keep, css)
    # whatever else the stylesheet draws with the icon fonts (admonitions, links, the theme's own icons)
    codepoints.update(int(c, 16) for c in _CODEPOINT.findall(lighter))
    codepoints.update(ord(c) for c in lighter if _PRIVATE_USE[0] <= ord(c) <= _PRIVATE_USE[1])  # written unescaped
    return lighter, codepoints


def _subset(font: Path, codepoints: set[int], out: Path) -> None:
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff2" if font.suffix == ".woff2" else None
    options.layout_features = ["*"]
    loaded = subset.load_font(str(font), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(loaded)
    subset.save_font(loaded, str(out), options)


def _theme_file(theme_dirs: list[Path], rel: str) -> Path | None:
    """The theme's own copy of ``_static/<rel>`` (the last theme in the chain that has it wins, as when Sphinx
    copies them), not the book's: that one may be the cut-down copy of an earlier build."""
    found = None
    for theme_dir in theme_dirs:
        candidate = theme_dir / "static" / rel.removeprefix("_static/")
        if candidate.is_file():
            found = candidate
    return found


def subset_icon_fonts(outdir: Path, cache: Path, theme_dirs: list[Path]) -> None:
    """Keep in the theme's stylesheet and icon fonts only the icons the built book uses (see the module's
    docstring). ``theme_dirs`` are the theme's folders, base theme first. Does nothing when the theme has no
    such files (another theme, or another version's layout)."""
    css_source = _theme_file(theme_dirs, THEME_CSS)
    out_fonts = sorted((outdir / FONTS).glob("fa-*")) if (outdir / FONTS).is_dir() else []
    fonts = {f.name: _theme_file(theme_dirs, f"{FONTS}/{f.name}") for f in out_fonts}
    if css_source is None or not (outdir / THEME_CSS).is_file() or not fonts or None in fonts.values():
        return
    css = css_source.read_text(encoding="utf-8")
    used = _used_icon_classes(outdir)
    key = hashlib.sha256(
        "\0".join(
            [_RECIPE, css, *sorted(used), *(hashlib.sha256(f.read_bytes()).hexdigest() for f in fonts.values() if f)]
        ).encode()
    ).hexdigest()[:20]
    kept = cache / f"quizlib-icons-{key}"
    if not kept.is_dir():
        work = cache / f".quizlib-icons-{key}.part"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        lighter, codepoints = _lighter_css(css, used)
        (work / "theme.css").write_text(lighter, encoding="utf-8")
        for name, font in fonts.items():
            if font is not None:
                _subset(font, codepoints, work / name)
        for old in cache.glob("quizlib-icons-*"):
            shutil.rmtree(old, ignore_errors=True)
        work.rename(kept)
    shutil.copyfile(kept / "theme.css", outdir / THEME_CSS)
    for name in fonts:
        shutil.copyfile(kept / name, outdir / FONTS / name)
