#!/usr/bin/env bash
# `make demo`: the portal (and the signage server, when installed) with embedded defaults.
# Stops everything on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PORTAL_PORT=${PORTAL_PORT:-8080}
SIGNAGE_PORT=${SIGNAGE_PORT:-8090}
export PORTAL_PORTAL_URL="http://127.0.0.1:${PORTAL_PORT}"
export PORTAL_VENUE_NAME="${PORTAL_VENUE_NAME:-Bến xe Tuy Hòa}"
pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}
trap stop INT TERM EXIT

"$BIN/bluezone-portal" serve --bind "127.0.0.1:${PORTAL_PORT}" &
pids+=($!)
if [ -x "$BIN/bluezone-signage" ]; then
  SIGNAGE_PORTAL_URL="$PORTAL_PORTAL_URL" \
    "$BIN/bluezone-signage" serve --bind "127.0.0.1:${SIGNAGE_PORT}" &
  pids+=($!)
fi
sleep 2
cat <<MSG

  Captive portal:  http://127.0.0.1:${PORTAL_PORT}/
     (what a phone sees when it asks for another site:
      curl -i -H 'Host: example.com' http://127.0.0.1:${PORTAL_PORT}/some/page)
  RFC 8908 API:    http://127.0.0.1:${PORTAL_PORT}/api/captive-portal
MSG
if [ -x "$BIN/bluezone-signage" ]; then
  cat <<MSG
  Signage screens: http://127.0.0.1:${SIGNAGE_PORT}/
     (one of them:  http://127.0.0.1:${SIGNAGE_PORT}/screen/tuy-hoa-airport-arrivals)
  Screen status:   http://127.0.0.1:${SIGNAGE_PORT}/api/screens
MSG
fi
echo
echo "  Press Ctrl-C to stop."
wait -n "${pids[@]}"
