#!/usr/bin/env bash
# The browser tests drive Debian's Chromium (/usr/bin/chromium); install it
# with apt when it is missing (CI runs on a fresh machine, as root). Playwright
# never downloads a browser of its own here.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
if [ "$(id -u)" != 0 ]; then
    echo "ensure-chromium: chromium is missing; install it: sudo apt-get install -y chromium" >&2
    exit 1
fi
echo "ensure-chromium: installing Debian's chromium (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends chromium >/dev/null
command -v chromium >/dev/null
