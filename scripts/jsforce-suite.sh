#!/usr/bin/env bash
# jsforce 3.10.16's own test suite, its data-API files, against the ContactBridge Salesforce emulator.
#
# Extracts jsforce's source and tests (../shared/third-party/jsforce-3.10.16.tar.gz, or $JSFORCE_TARBALL) into a temporary
# folder, installs its dev dependencies with npm (no browser download), replaces only its browser login helper with the
# emulator's form flow, starts the emulator (dotnet build -c Release first) with the org jsforce's setup expects, builds
# jsforce (tsc), runs each file with jest over HTTPS, as against Salesforce (node trusts the emulator's certificate through
# NODE_EXTRA_CA_CERTS), and prints the passed tests per file and in all.
#   scripts/jsforce-suite.sh [--min N]   (--min: exit 1 when fewer than N pass)  [--keep] (leave the folder, for reading failures)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tarball=${JSFORCE_TARBALL:-$root/../shared/third-party/jsforce-3.10.16.tar.gz}
files=(connection-crud connection-meta connection-session query sobject schema bulk bulk2 streaming oauth2)
min=0
keep=false
while [ $# -gt 0 ]; do
  case "$1" in
    --min) min=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    *) echo "usage: $0 [--min N] [--keep]" >&2; exit 2 ;;
  esac
done
[ -f "$tarball" ] || { echo "error: jsforce's source is not at $tarball: set JSFORCE_TARBALL to jsforce-3.10.16.tar.gz." >&2; exit 2; }
emulator=$root/src/ContactBridge.Emulator/bin/Release/net10.0/ContactBridge.Emulator.dll
[ -f "$emulator" ] || { echo "error: build first: dotnet build ContactBridge.slnx -c Release" >&2; exit 2; }

work=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  if $keep; then echo "kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "==> jsforce 3.10.16's source and tests into $work"
tar xzf "$tarball" -C "$work"
suite=$work/jsforce-3.10.16
cp "$root/scripts/jsforce-suite/webauth.ts" "$suite/test/helper/webauth/index.ts"
# undici 8 needs Node 22; 7.x runs on Node 20.
node -e '
  const fs = require("fs"); const p = process.argv[1]; const pkg = JSON.parse(fs.readFileSync(p));
  pkg.overrides = { ...(pkg.overrides || {}), undici: "7.30.2" }; fs.writeFileSync(p, JSON.stringify(pkg, null, 2));
' "$suite/package.json"

echo "==> Its dev dependencies (npm; no browser download)"
(cd "$suite" && PUPPETEER_SKIP_DOWNLOAD=1 npm install --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
echo "==> jsforce itself (tsc, as its test:node script does)"
if ! (cd "$suite" && npx tsc -p . --pretty false > "$work/tsc.log" 2>&1); then
  echo "error: jsforce did not build:" >&2; tail -20 "$work/tsc.log" >&2; exit 1
fi

free_port() { node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'; }
port=$(free_port)
https_port=$(free_port)
while [ "$https_port" = "$port" ]; do https_port=$(free_port); done
plain=http://127.0.0.1:$port
url=https://127.0.0.1:$https_port
client_id=jsforce-test-client
client_secret=jsforce-test-secret
redirect=http://localhost:4000/oauth2/callback
node "$root/scripts/jsforce-suite/seed.mjs" "$work/seed.json" "$client_id" "$client_secret" "$redirect"
echo "==> The emulator on $url, seeded as jsforce's org setup leaves an org"
dotnet "$emulator" --port "$port" --https-port "$https_port" --seed "$work/seed.json" > "$work/emulator.log" 2>&1 &
pid=$!
ready=false
for _ in $(seq 1 120); do
  kill -0 "$pid" 2>/dev/null || break
  if node -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$plain/_emulator/openapi/emulator.json"; then ready=true; break; fi
  sleep 0.5
done
if ! $ready; then echo "error: the emulator did not start:" >&2; tail -20 "$work/emulator.log" >&2; exit 1; fi
# The certificate the emulator made for its https port, for node to trust (as a browser trusts Salesforce's).
node -e 'fetch(process.argv[1]).then(r => r.ok ? r.text() : Promise.reject(new Error("HTTP " + r.status))).then(t => require("fs").writeFileSync(process.argv[2], t), e => { console.error(e.message); process.exit(1); })' \
  "$plain/_emulator/tls-certificate" "$work/emulator-certificate.pem" || { echo "error: no certificate from the emulator" >&2; exit 1; }
export NODE_EXTRA_CA_CERTS=$work/emulator-certificate.pem
username=admin@contactbridge.example
password=Emulator-Admin-1
if ! answer=$(node -e '
  const [url, id, secret, username, password] = process.argv.slice(1);
  fetch(url + "/services/oauth2/token", { method: "POST", body: new URLSearchParams({ grant_type: "password", client_id: id, client_secret: secret, username, password }) })
    .then(r => r.text()).then(t => console.log(t), e => { console.error(e.message); process.exit(1); });
' "$url" "$client_id" "$client_secret" "$username" "$password"); then
  echo "error: no answer from the emulator's token endpoint" >&2; exit 1
fi
token=$(node -e 'try { console.log(JSON.parse(process.argv[1]).access_token || "") } catch { console.log("") }' "$answer")
[ -n "$token" ] || { echo "error: the emulator gave no access token: $answer" >&2; exit 1; }

echo "==> jest, file by file (setup took $SECONDS s)"
total_pass=0
total=0
for f in "${files[@]}"; do
  file_started=$SECONDS
  (cd "$suite" && SF_LOGIN_URL=$url SF_USERNAME=$username SF_PASSWORD=$password SF_ACCESS_TOKEN=$token SF_OAUTH2_CLIENT_ID=$client_id \
    SF_OAUTH2_CLIENT_SECRET=$client_secret SF_OAUTH2_REDIRECT_URI=$redirect NODE_OPTIONS=--unhandled-rejections=warn \
    npx jest "test/$f.test.ts" --json --outputFile="$work/$f.json" --testTimeout=60000 --forceExit >"$work/$f.log" 2>&1) || true
  # Tests jsforce itself skips (describe.skip: SOAP login and logout, the OAuth 2.0 flows it runs only in a browser) are not counted.
  # A file jest could not run (no JSON, or JSON it cut short) counts as nothing passed; its log says why (--keep).
  counts=$(node -e '
    const fs = require("fs"); const p = process.argv[1];
    try { const r = JSON.parse(fs.readFileSync(p)); console.log(r.numPassedTests + " " + (r.numTotalTests - r.numPendingTests) + " " + r.numPendingTests); }
    catch { console.log("0 0 0"); }
  ' "$work/$f.json")
  read -r pass count skipped <<< "$counts"
  printf '  %-20s %3d of %3d  %4d s%s\n' "$f" "$pass" "$count" "$((SECONDS - file_started))" "$([ "$skipped" -gt 0 ] && echo "  ($skipped skipped by jsforce)")"
  total_pass=$((total_pass + pass))
  total=$((total + count))
done
echo "jsforce suite: $total_pass of $total passed ($((total_pass * 100 / (total > 0 ? total : 1))) %) in $SECONDS s"
[ "$total_pass" -ge "$min" ] || { echo "fewer than $min passed" >&2; exit 1; }
