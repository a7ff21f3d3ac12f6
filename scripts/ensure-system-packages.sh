#!/usr/bin/env bash
# System packages the checks need: Debian's Chromium (browser tests; never a downloaded browser) and
# a CJK font for the pages it renders. Documents (PDFs, charts) do not use system fonts: the product
# ships its own (npm → FONT_DIR, scripts/copy_fonts.py, gongjian/core/fonts.py). Installs them with apt when missing and
# we are root; otherwise says what to install and carries on (browser tests then skip, saying why).
set -uo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing+=(fonts-noto-cjk)
# WeasyPrint (PDF documents) needs Pango; pdftoppm renders PDF pages to PNG in the tests.
ldconfig -p 2>/dev/null | grep -q "libpango-1.0.so" || missing+=(libpango-1.0-0)
ldconfig -p 2>/dev/null | grep -q "libpangoft2-1.0.so" || missing+=(libpangoft2-1.0-0)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
# LibreOffice renders the bulletin's Word file to check its GB/T 9704 layout (28 × 22).
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)

if [ ${#missing[@]} -eq 0 ]; then
  echo "system packages: chromium, Noto CJK fonts, Pango, poppler and LibreOffice present"
  exit 0
fi

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "system packages: installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig >/dev/null \
    && fc-cache -f >/dev/null 2>&1 \
    && { echo "system packages: installed ${missing[*]}"; exit 0; }
  echo "system packages: apt-get could not install ${missing[*]}; browser tests will be skipped" >&2
  exit 0
fi

echo "system packages: missing ${missing[*]}. Install them, e.g.: sudo apt-get install ${missing[*]}" >&2
echo "system packages: until then the browser tests are skipped (the rest of the suite runs)." >&2
exit 0
