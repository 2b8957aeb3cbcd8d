"""Turns a tmux capture (`capture-pane -e -p`: text with its colour codes) into an SVG.

usage: ansi2svg.py CAPTURE.ans OUT.svg WIDTH TITLE

Each character is placed at its column, so box drawing and braille line up whatever font
the reader's browser falls back to.
"""

import io
import re
import sys

from rich.console import Console
from rich.text import Text


def main() -> int:
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    capture, out, width, title = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    with open(capture, encoding="utf-8") as f:
        lines = f.read().rstrip("\n").split("\n")
    console = Console(
        record=True,
        width=width,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
    )
    for line in lines:
        console.print(Text.from_ansi(line), no_wrap=True, overflow="crop", crop=True)
    svg = console.export_svg(title=title)
    # No web fonts: a picture fetches nothing. Monospace fonts the reader has, in order.
    svg = re.sub(r"@font-face \{.*?\}\s*", "", svg, flags=re.S)
    svg = svg.replace(
        "font-family: Fira Code, monospace;",
        'font-family: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace;',
    )
    with open(out, "w", encoding="utf-8") as f:
        f.write(svg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
