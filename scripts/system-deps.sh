#!/usr/bin/env bash
# Installs the Debian packages mediasift needs (only the missing ones) and starts PostgreSQL and
# Redis when they are installed but stopped. Safe to run again; needs root (or sudo) for apt.
set -euo pipefail

want=(ffmpeg espeak-ng sox tesseract-ocr tesseract-ocr-spa fonts-dejavu-core pocketsphinx-testdata)
if [[ "${MEDIASIFT_BROWSER_TESTS:-1}" == "1" ]]; then want+=(chromium); fi

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Services some tests use; they skip with a reason when a service is absent.
if command -v pg_ctlcluster >/dev/null && ! pg_isready -h 127.0.0.1 -q 2>/dev/null; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if command -v redis-server >/dev/null && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
fi
