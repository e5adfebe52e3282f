#!/usr/bin/env bash
# The cluster tests start a private PostgreSQL of their own (scripts/postgres.ts):
# they need the server's programs (initdb, pg_ctl). Where they are missing,
# this installs Debian's postgresql-15 (as root, or with sudo) without
# starting its default cluster; elsewhere it says what to install.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "PostgreSQL's server is not installed and this user cannot install it: install postgresql-15 (Debian) or PostgreSQL >= 14, then run the tests again" >&2
    exit 1
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "PostgreSQL's server is not installed: install PostgreSQL >= 14 (initdb and pg_ctl), then run the tests again" >&2
  exit 1
fi
echo "installing PostgreSQL's server (Debian's postgresql-15) for the cluster tests"
POLICY_ADDED=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
  # No default cluster is started by the package: the tests start their own.
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
  $SUDO chmod +x /usr/sbin/policy-rc.d
  POLICY_ADDED=1
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql-15 >/dev/null
if [ -n "$POLICY_ADDED" ]; then $SUDO rm -f /usr/sbin/policy-rc.d; fi
