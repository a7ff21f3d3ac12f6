"""Lay the npm-installed CJK fonts out in FONT_DIR (default ./fonts, git-ignored) for documents.

Run by ``make assets`` after ``npm ci``; an operator whose FONT_DIR is elsewhere runs
``FONT_DIR=/srv/gongjian/fonts .venv/bin/python scripts/copy_fonts.py``. The Noto faces are copied
as they come (TrueType); the LXGW WenKai faces come as WOFF and are unwrapped to TrueType with
fontTools (a matplotlib dependency), so that WeasyPrint and matplotlib read the same files. Each
package's SIL Open Font License is copied beside its fonts. See gongjian/core/fonts.py."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE = ROOT / "node_modules"

# (package, file inside the package, file in FONT_DIR)
FILES = [
    ("@expo-google-fonts/noto-sans-sc", "400Regular/NotoSansSC_400Regular.ttf", "NotoSansSC-Regular.ttf"),
    ("@expo-google-fonts/noto-sans-sc", "700Bold/NotoSansSC_700Bold.ttf", "NotoSansSC-Bold.ttf"),
    ("@expo-google-fonts/noto-serif-sc", "400Regular/NotoSerifSC_400Regular.ttf", "NotoSerifSC-Regular.ttf"),
    ("@expo-google-fonts/noto-serif-sc", "700Bold/NotoSerifSC_700Bold.ttf", "NotoSerifSC-Bold.ttf"),
    # Fontsource names its one complete subset "latin"; 500 is the face WenKai calls Regular.
    ("@fontsource/lxgw-wenkai", "files/lxgw-wenkai-latin-500-normal.woff", "LXGWWenKai-Regular.ttf"),
    ("@fontsource/lxgw-wenkai", "files/lxgw-wenkai-latin-700-normal.woff", "LXGWWenKai-Bold.ttf"),
]
LICENCES = [
    ("@expo-google-fonts/noto-sans-sc", "LICENSE_FONT", "OFL-NotoSansSC.txt"),
    ("@expo-google-fonts/noto-serif-sc", "LICENSE_FONT", "OFL-NotoSerifSC.txt"),
    ("@fontsource/lxgw-wenkai", "LICENSE", "OFL-LXGWWenKai.txt"),
]


def _unwrap_woff(source: Path, target: Path) -> None:
    from fontTools.ttLib import TTFont

    font = TTFont(str(source))
    font.flavor = None
    font.save(str(target))


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from config.env import load_dotenv

    load_dotenv(ROOT / ".env")  # FONT_DIR as the settings read it (a real variable wins)
    dest = Path(os.environ.get("FONT_DIR") or ROOT / "fonts")
    dest.mkdir(parents=True, exist_ok=True)
    missing = [f"{package}/{name}" for package, name, _ in FILES + LICENCES if not (NODE / package / name).is_file()]
    if missing:
        print(f"fonts: missing in node_modules (run npm ci first): {', '.join(missing)}", file=sys.stderr)
        return 1
    for package, name, target in FILES:
        source, out = NODE / package / name, dest / target
        if out.is_file() and out.stat().st_mtime >= source.stat().st_mtime:
            continue
        partial = out.with_suffix(".partial")
        if source.suffix == ".woff":
            _unwrap_woff(source, partial)
        else:
            shutil.copyfile(source, partial)
        partial.replace(out)
    for package, name, target in LICENCES:
        shutil.copyfile(NODE / package / name, dest / target)
    print(f"fonts: {len(FILES)} CJK faces (SIL Open Font License 1.1) in {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
