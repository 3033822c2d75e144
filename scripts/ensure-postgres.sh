#!/usr/bin/env bash
# Makes sure a local PostgreSQL accepts connections on 127.0.0.1:5432, then prints the URL
# tests should use (also what DUPLEX_TEST_POSTGRES defaults to).
#   - running already: nothing to do;
#   - installed but stopped: start its cluster;
#   - not installed: install Debian's `postgresql` package (needs root) and start it.
# Tests read DUPLEX_TEST_POSTGRES; set it to point them at another server.
set -euo pipefail

host=127.0.0.1
port=5432
url="${DUPLEX_TEST_POSTGRES:-postgres://postgres@$host:$port/postgres}"

ready() { command -v pg_isready >/dev/null && pg_isready -q -h "$host" -p "$port"; }

if ! ready; then
    if [ ! -d /etc/postgresql ] || [ -z "$(ls -A /etc/postgresql 2>/dev/null)" ]; then
        echo "ensure-postgres: PostgreSQL is not installed; installing Debian's package" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >&2
        apt-get install -y -q postgresql >&2
        # A fresh Debian cluster asks for passwords over TCP; the tests connect as
        # `postgres` without one, so trust loopback connections (this machine only).
        for hba in /etc/postgresql/*/*/pg_hba.conf; do
            sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
        done
    fi
    for version in /etc/postgresql/*; do
        version="$(basename "$version")"
        for cluster in /etc/postgresql/"$version"/*; do
            cluster="$(basename "$cluster")"
            echo "ensure-postgres: starting cluster $version/$cluster" >&2
            # Already running (the package's own start): reload, to apply pg_hba.conf.
            pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" start >&2 ||
                pg_ctlcluster --skip-systemctl-redirect "$version" "$cluster" reload >&2 || true
        done
    done
    for _ in $(seq 1 60); do
        ready && break
        sleep 0.5
    done
    if ! ready; then
        echo "ensure-postgres: PostgreSQL still does not accept connections on $host:$port." >&2
        echo "  Look at /var/log/postgresql/ for the reason." >&2
        exit 1
    fi
fi

# Tests connect as `postgres` without a password: check trust (or peer-mapped) auth works.
if ! psql "$url" -qtAc 'SELECT 1' >/dev/null 2>&1; then
    echo "ensure-postgres: PostgreSQL is up but \`psql $url\` fails." >&2
    echo "  Allow local trust auth for user postgres in pg_hba.conf, or set DUPLEX_TEST_POSTGRES." >&2
    exit 1
fi
echo "$url"
