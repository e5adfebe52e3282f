#!/usr/bin/env bash
# The timeline test opens its page in a real browser: Debian's chromium,
# driven by playwright-core. Where it is missing, this installs it (as root,
# or with sudo); elsewhere it says what to install.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; then
  exit 0
fi
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Chromium is not installed and this user cannot install it: install Debian's chromium, then run the tests again" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "Chromium is not installed: install it (the tests look for /usr/bin/chromium or CHROMIUM_PATH), then run the tests again" >&2
  exit 1
fi
echo "installing Debian's chromium for the timeline test"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
