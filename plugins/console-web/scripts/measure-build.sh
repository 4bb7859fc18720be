#!/usr/bin/env bash
# Measures the two ways of getting the console assets: built at install (dist/) and built at
# start (dist/ removed, the daemon builds on the first request). Usage, from the repo root:
#   bash plugins/console-web/scripts/measure-build.sh [port]
set -e
cd "$(dirname "$0")/../../.."
PORT=${1:-18799}
TMP=$(mktemp -d)
measure() {
  node bin/agentd --port $PORT --db $TMP/$1.db > $TMP/$1.log 2>&1 &
  pid=$!
  for i in $(seq 1 100); do grep -q "agentd listening" $TMP/$1.log 2>/dev/null && break; sleep 0.1; done
  first=$(curl -s -o /dev/null -w "%{time_total}" -H 'accept-encoding: gzip' http://127.0.0.1:$PORT/console/app.js)
  second=$(curl -s -o /dev/null -w "%{time_total}" -H 'accept-encoding: gzip' http://127.0.0.1:$PORT/console/app.js)
  rss=$(ps -o rss= -p $pid); kids=$(pgrep -P $pid | wc -l); echo "$1: rss ${rss} KiB, child processes ${kids}"
  echo "$1: first app.js request ${first}s, second ${second}s; $(grep -o 'console assets ready.*' $TMP/$1.log)"
  kill $pid; wait $pid 2>/dev/null || true
  rm -f $TMP/$1.db*
}
/usr/bin/time -f "install-step build: %e s wall, %M KiB max RSS" npm run -s build -w @agentd/plugin-console-web
measure dist
mv plugins/console-web/dist $TMP/dist-away
measure built-at-start
rm -rf $TMP/dist-away
rm -rf "$TMP"
