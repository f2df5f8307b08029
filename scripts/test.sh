#!/usr/bin/env bash
# Runs every ContactBridge test. Installs what the tests need when it is missing (the npm
# packages of the third-party Salesforce clients, PostgreSQL and Chromium from apt) and starts a
# throwaway PostgreSQL server for the storage tests, so it is safe to run on a fresh clone and
# safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "error: '$1' is not installed. $2" >&2
    exit 1
  fi
}
need dotnet "Install the .NET 10 SDK: https://learn.microsoft.com/dotnet/core/install/linux-debian"
need node "Install Node.js 20 (the client tests run jsforce and the Salesforce CLI on it)."
need npm "Install npm (it comes with Node.js)."

# npm packages: reinstall only when package-lock.json changed since the last install.
stamp=node_modules/.contactbridge-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> Installing the npm packages the client tests use (jsforce, Salesforce CLI)..."
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
else
  echo "==> npm packages are up to date."
fi

# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh

echo "==> Building..."
dotnet build ContactBridge.slnx -c Release -nologo -v quiet -m:2

echo "==> Running the tests..."
log=$(mktemp)
trap 'rm -f "$log"; stop_test_services' EXIT
set +e
dotnet test ContactBridge.slnx -c Release --no-build -nologo -m:2 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# jsforce's own test suite (its data-API files) against the emulator: a measure of the emulator's fidelity, gated so it
# cannot fall back. It needs jsforce's source, which its npm package does not ship (../shared/third-party/README.md).
# All 158 pass; the floor leaves one for bulk.test.ts's "yielding file output", which races its file stream's end against its
# own CSV parser and has been seen to lose that race when the result arrives in many small pieces (README, "jsforce's suite").
jsforce_minimum=157
tarball=${JSFORCE_TARBALL:-$root/../shared/third-party/jsforce-3.10.16.tar.gz}
if [ -f "$tarball" ]; then
  echo "==> jsforce's own test suite against the emulator (about three minutes)..."
  JSFORCE_TARBALL=$tarball scripts/jsforce-suite.sh --min "$jsforce_minimum" || status=1
else
  echo "==> jsforce's own test suite was not run: its source is not at $tarball (set JSFORCE_TARBALL to jsforce-3.10.16.tar.gz)."
fi

# One closing line for every test assembly together, e.g. "tests: 120 passed, 0 failed".
awk '
  /(Passed|Failed)! *- *Failed:/ {
    for (i = 1; i <= NF; i++) {
      gsub(",", "", $(i+1))
      if ($i == "Failed:") f += $(i+1)
      if ($i == "Passed:") p += $(i+1)
      if ($i == "Skipped:") s += $(i+1)
    }
    seen = 1
  }
  END {
    if (!seen) { print "tests: 0 passed, 1 failed"; exit }
    line = "tests: " p " passed, " f " failed"
    if (s > 0) line = line ", " s " skipped"
    print line
  }' "$log"
exit "$status"
