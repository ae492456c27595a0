#!/bin/bash
# Nightly backups of the jobs database (run from cron at 02:30).
set -euo pipefail

BACKUP_DIR=${BACKUP_DIR:-/var/backups/taskrunner}

# Dump the whole database into a gzip-compressed file named after today's date.
backup_database() {
  local target="$BACKUP_DIR/taskrunner-$(date +%F).sql.gz"
  pg_dump --no-owner "$DATABASE_URL" | gzip -9 > "$target"
  echo "$target"
}

# Delete dumps older than the given number of days (14 by default).
prune_old_backups() {
  find "$BACKUP_DIR" -name 'taskrunner-*.sql.gz' -mtime +"${1:-14}" -delete
}

backup_database
prune_old_backups 14
