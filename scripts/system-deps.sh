#!/usr/bin/env bash
# What mediasift needs from the system besides pip packages, for running or for testing:
#
#   scripts/system-deps.sh run    # `make run`: Python >= 3.11 with venv; Tesseract (optional)
#   scripts/system-deps.sh test   # `make test`: run's, plus the tools the tests make media with
#
# Each need is probed by what it provides (a command, a file), so the check works on any system.
# A required need that is missing is installed with apt-get when that can be done (as root, or
# with sudo) and otherwise listed with the command that installs it; an optional one is only
# listed. Exits 1 only when something required is still missing.
#
# Running needs nothing from apt but Python's venv: PyAV bundles FFmpeg and every model ships in a
# pip package. Tesseract is the second OCR engine (MEDIASIFT_OCR_ENGINE=tesseract): optional, as is
# LibreOffice, which only DOCX/PPTX/ODT to PDF conversions use (without it they answer 501).
# `test` also starts PostgreSQL and Redis when they are installed but stopped (tests that use
# them skip with a reason otherwise). MEDIASIFT_BROWSER_TESTS=0 leaves Chromium out of `test`.
set -euo pipefail

profile=${1:-run}
PY=${PY:-python3}

# -- probes: true when the need is met -----------------------------------------------------------
has() { command -v "$1" >/dev/null 2>&1; }
# grep without -q reads to the end: an early exit would fail the pipeline (pipefail) on SIGPIPE
tesseract_has() { has tesseract && tesseract --list-langs 2>/dev/null | grep -x "$1" >/dev/null; }
python_ok() { "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
python_venv_ok() { "$PY" -c 'import ensurepip, venv' 2>/dev/null; }

# One need per line: required|optional, Debian package, probe, why.
needs=()
need() { needs+=("$1|$2|$3|$4"); }

python_version=$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo "")
need required "python${python_version:-3}-venv" python_venv_ok "creates .venv, where mediasift is installed"
need optional tesseract-ocr "has tesseract" "the second OCR engine (MEDIASIFT_OCR_ENGINE=tesseract)"
need optional tesseract-ocr-spa "tesseract_has spa" "Spanish for the second OCR engine"

case $profile in
  run) ;;
  test)
    needs=("${needs[@]/#optional|/required|}")  # the tests exercise the second OCR engine too
    need required ffmpeg "has ffmpeg" "tests encode the video and audio they ingest (tests/mediagen.py)"
    need required espeak-ng "has espeak-ng" "tests synthesise the speech they transcribe"
    need required fonts-dejavu-core "test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf" \
      "tests draw the text they OCR"
    need required pocketsphinx-testdata "test -d /usr/share/pocketsphinx/test/data/librivox" \
      "real read speech with reference transcripts (speech accuracy tests)"
    # LibreOffice without its GUI: 63 packages, ~210 MB, under a minute to install here
    need required libreoffice-writer-nogui "has soffice && test -f /usr/lib/libreoffice/program/libswlo.so" \
      "tests convert DOCX and ODT to PDF (mediasift convert --to pdf)"
    need required libreoffice-impress-nogui "test -f /usr/lib/libreoffice/program/libslideshowlo.so" \
      "tests convert PPTX slides to PDF and to pictures"
    if [[ ${MEDIASIFT_BROWSER_TESTS:-1} == 1 ]]; then
      need required chromium "test -x /usr/bin/chromium" "browser tests of the web UI (tests/ui)"
    fi
    ;;
  *) echo "usage: $0 [run|test]" >&2; exit 2 ;;
esac

# -- Python itself: apt cannot choose it for the user -------------------------------------------
if ! python_ok; then
  echo "mediasift needs Python >= 3.11; '$PY' is ${python_version:-not found}." >&2
  echo "Install one and run again with it: make $profile PY=/path/to/python3.11" >&2
  exit 1
fi

# -- what is there, what is missing -----------------------------------------------------------
report() {  # prints the table; sets missing_required and missing_optional
  missing_required=() missing_optional=()
  local line level package probe why state
  for line in "${needs[@]}"; do
    IFS='|' read -r level package probe why <<<"$line"
    if eval "$probe"; then state=ok; else
      state="missing"
      if [[ $level == required ]]; then missing_required+=("$package"); else missing_optional+=("$package"); fi
    fi
    printf '  %-8s %-26s %-9s %s\n' "$state" "$package" "$level" "$why"
  done
}

can_apt() {  # sets apt (how this user runs apt-get), or why_not when they cannot
  if ! has apt-get; then why_not="apt-get is not available on this system"; return 1; fi
  if [[ $EUID -eq 0 ]]; then apt="apt-get"; return 0; fi
  # sudo that needs a password is fine at a terminal, and would hang or fail without one
  if has sudo && { sudo -n true 2>/dev/null || [[ -t 0 ]]; }; then apt="sudo apt-get"; return 0; fi
  why_not="you are not root and cannot use sudo"
  return 1
}

echo "System packages that \`make $profile\` uses:"
report
if ((${#missing_required[@]})); then
  if can_apt; then
    echo "installing with $apt: ${missing_required[*]}"
    $apt update -qq
    DEBIAN_FRONTEND=noninteractive $apt install -y -qq --no-install-recommends "${missing_required[@]}" >/dev/null
    echo "After installing:"
    report
  else
    echo "Cannot install them here: ${why_not}. On Debian or Ubuntu, an administrator runs:"
    echo "  sudo apt-get install --no-install-recommends ${missing_required[*]}"
    echo "(elsewhere: your system's packages that provide the same commands and files)"
  fi
fi
if ((${#missing_optional[@]})); then
  echo "Optional, not installed: ${missing_optional[*]}. mediasift runs without them (\`mediasift doctor\`"
  echo "lists them); to add them: sudo apt-get install --no-install-recommends ${missing_optional[*]}"
fi
if ((${#missing_required[@]})); then
  echo "Required, missing: ${missing_required[*]}" >&2
  exit 1
fi

# -- services some tests use (they skip with a reason when one is absent) -------------------------
if [[ $profile == test && $EUID -eq 0 ]]; then
  if has pg_ctlcluster && ! pg_isready -h 127.0.0.1 -q 2>/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  if has redis-server && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
    mkdir -p /var/lib/redis /var/log/redis
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  fi
fi
