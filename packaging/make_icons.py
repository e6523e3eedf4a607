"""Render resources/icons/app.svg into the icon files packaging needs: PNGs in the hicolor sizes
(Linux desktop entry), app.ico (Windows) and app.icns (macOS), under build/icons/.

Run with the project's interpreter: ``python packaging/make_icons.py [OUT_DIR]``. Qt renders
the SVG offscreen; Pillow writes the .ico and .icns."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(svg: Path, out: Path) -> dict[int, Path]:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    _app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {svg}")
    written = {}
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        path = out / "hicolor" / f"{size}x{size}" / "apps" / "activity-tracker.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(path)):
            raise SystemExit(f"cannot write {path}")
        written[size] = path
    return written


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else ROOT / "build" / "icons"
    pngs = render(ROOT / "resources" / "icons" / "app.svg", out)
    from PIL import Image

    biggest = Image.open(pngs[256])
    biggest.save(out / "app.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    Image.open(pngs[512]).save(out / "app.icns")
    print(f"Icons written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
