#!/usr/bin/env bash
# Install Debian's Chromium when it is missing (browser tests drive /usr/bin/chromium;
# a Playwright browser download cannot work on our machines). Needs root + apt-get.
set -u
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests..."
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  [ -x /usr/bin/chromium ] && exit 0
fi
echo "chromium is not installed: browser tests will be skipped (install Debian's chromium)" >&2
exit 1
