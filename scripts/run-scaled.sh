#!/usr/bin/env bash
# Several backend workers on PostgreSQL and Redis behind one port (3000).
# Reflex starts one worker per (2 x cores + 1) when Redis is configured;
# GRANIAN_WORKERS overrides. Page state lives in Redis, sessions and data in
# PostgreSQL, so any worker can answer any owner.
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/autocoach}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
export GRANIAN_WORKERS="${GRANIAN_WORKERS:-4}"
db_name="${DATABASE_URL##*/}"
admin_url="${DATABASE_URL%/*}/postgres"
if ! psql "$admin_url" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db_name'" | grep -q 1; then
  echo "[run-scaled] creating database $db_name"
  psql "$admin_url" -c "CREATE DATABASE \"$db_name\""
fi
.venv/bin/python -m autocoach migrate
exec .venv/bin/reflex run --env prod
