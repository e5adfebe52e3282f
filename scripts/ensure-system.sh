#!/usr/bin/env bash
# What the tests need from the machine besides npm packages: PostgreSQL's
# server programs (initdb, pg_ctl: the cluster tests start a private server
# of their own, scripts/postgres.ts) and a Chromium (the timeline test opens
# its page in it; CHROMIUM_PATH names another). Where one is missing this
# installs Debian's package (as root, or with sudo) — PostgreSQL without
# starting its default cluster; elsewhere it says what to install.
set -euo pipefail
have_postgres() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; }
have_chromium() {
  { [ -n "${CHROMIUM_PATH:-}" ] && [ -x "${CHROMIUM_PATH}" ]; } || command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]
}
missing=()
have_postgres || missing+=(postgresql-15)
have_chromium || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "missing: ${missing[*]} (Debian packages), and this user cannot install them: install them, then run the tests again" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "missing: ${missing[*]}: install PostgreSQL >= 14 (initdb, pg_ctl) and Chromium, then run the tests again" >&2
  exit 1
fi
echo "installing Debian's ${missing[*]} for the tests"
POLICY_ADDED=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  # No service is started by the packages (PostgreSQL's default cluster): the tests start their own.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  POLICY_ADDED=1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
if [ -n "$POLICY_ADDED" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
