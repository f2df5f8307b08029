#!/usr/bin/env bash
# Installs (when missing) and starts what the hub's tests need besides .NET and Node:
# a throwaway PostgreSQL server and Debian's Chromium. Meant to be sourced by scripts/test.sh:
# it exports CONTACTBRIDGE_TEST_POSTGRES and CONTACTBRIDGE_TEST_CHROMIUM and defines
# stop_test_services. Safe to run again: nothing is installed twice.

apt_updated=no
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "error: $* is not installed. Install it (sudo apt-get install -y $*) and run the tests again." >&2
    return 1
  fi
  if [ "$apt_updated" = no ]; then
    apt-get update -qq
    apt_updated=yes
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pg_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
  echo "==> Installing PostgreSQL (for the PostgreSQL storage tests)..."
  apt_install postgresql
fi
if ! command -v chromium >/dev/null 2>&1; then
  echo "==> Installing Chromium (for the portal's browser tests)..."
  apt_install chromium
fi
export CONTACTBRIDGE_TEST_CHROMIUM
CONTACTBRIDGE_TEST_CHROMIUM=$(command -v chromium)

# A throwaway cluster on a free loopback port, owned by the postgres user when running as root
# (initdb refuses root), removed when the tests end.
pg_dir=$(mktemp -d /tmp/contactbridge-pg-XXXXXX)
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}
[ "$(id -u)" = 0 ] && chown postgres:postgres "$pg_dir"
pg_port=54329
while (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; do pg_port=$((pg_port + 1)); done
echo "==> Starting a throwaway PostgreSQL on 127.0.0.1:$pg_port..."
as_pg "$(pg_bin)/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
as_pg "$(pg_bin)/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $pg_port -c unix_socket_directories=$pg_dir -c fsync=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null
export CONTACTBRIDGE_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"

# A second throwaway cluster that one test crashes and starts again (the first serves every other test
# at the same time). $pg_dir/restart-crashable [seconds] stops it the way a crash would (immediate: no
# checkpoint, recovery on start), keeps it down that long, and starts it again.
crash_port=$((pg_port + 1))
while (exec 3<>"/dev/tcp/127.0.0.1/$crash_port") 2>/dev/null; do crash_port=$((crash_port + 1)); done
as_pg "$(pg_bin)/initdb" -D "$pg_dir/crashable" -U postgres --auth=trust -E UTF8 >/dev/null
crash_options="-c listen_addresses=127.0.0.1 -p $crash_port -c unix_socket_directories=$pg_dir -c fsync=off -c full_page_writes=off -c max_connections=100"
as_pg "$(pg_bin)/pg_ctl" -D "$pg_dir/crashable" -l "$pg_dir/crashable.log" -w -o "$crash_options" start >/dev/null
cat > "$pg_dir/restart-crashable" <<SCRIPT
#!/usr/bin/env bash
set -e
run() { if [ "\$(id -u)" = 0 ]; then runuser -u postgres -- "\$@"; else "\$@"; fi; }
run "$(pg_bin)/pg_ctl" -D "$pg_dir/crashable" -m immediate stop >/dev/null
sleep "\${1:-0}"
run "$(pg_bin)/pg_ctl" -D "$pg_dir/crashable" -l "$pg_dir/crashable.log" -w -o "$crash_options" start >/dev/null
SCRIPT
chmod +x "$pg_dir/restart-crashable"
[ "$(id -u)" = 0 ] && chmod o+rx "$pg_dir"
export CONTACTBRIDGE_TEST_POSTGRES_CRASHABLE="Host=127.0.0.1;Port=$crash_port;Username=postgres;Database=postgres"
export CONTACTBRIDGE_TEST_POSTGRES_RESTART="$pg_dir/restart-crashable"

# A small disk (a 32 MiB tmpfs) that one test fills up, to see the hub refuse clearly and lose nothing
# while SQLite cannot write. Mounting needs root, as installing the packages above does.
mkdir -p "$pg_dir/small-disk"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=32m,mode=0777 contactbridge-small-disk "$pg_dir/small-disk" 2>/dev/null; then
  export CONTACTBRIDGE_TEST_SMALL_DISK="$pg_dir/small-disk"
else
  echo "warning: could not mount a small tmpfs (needs root); the disk-full test will fail. Run the tests as root or in the project's CI container." >&2
fi

stop_test_services() {
  umount "$pg_dir/small-disk" >/dev/null 2>&1 || true
  as_pg "$(pg_bin)/pg_ctl" -D "$pg_dir/crashable" -m immediate stop >/dev/null 2>&1 || true
  as_pg "$(pg_bin)/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
