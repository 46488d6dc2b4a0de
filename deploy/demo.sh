#!/usr/bin/env bash
# `make demo`: the portal (and the signage server, when installed) with embedded defaults.
# Stops everything on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
demo_portal_port=${DEMO_PORTAL_PORT:-8080}
demo_signage_port=${DEMO_SIGNAGE_PORT:-8090}
export PORTAL_PORTAL_URL="http://127.0.0.1:${demo_portal_port}"
export PORTAL_VENUE_NAME="${PORTAL_VENUE_NAME:-Bến xe Tuy Hòa}"
# The console's Campaign results read the portal's figures through its stats API: give both
# sides the same fresh token for this run.
PORTAL_STATS_TOKEN=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(24))')
export PORTAL_STATS_TOKEN
export SIGNAGE_PORTAL_STATS_TOKEN="$PORTAL_STATS_TOKEN"
export SIGNAGE_PORTAL_STATS_URL="$PORTAL_PORTAL_URL"
pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}
trap stop INT TERM EXIT

if [ -x "$BIN/bluezone-signage" ]; then
  # The demo serves the console over plain HTTP: let its session cookie travel without TLS.
  export SIGNAGE_COOKIE_SECURE=false
  # A demo administrator with a fresh password on every start, so the console opens at once.
  DEMO_ADMIN=demo-admin
  DEMO_PASSWORD=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(12))')
  if "$BIN/bluezone-signage" operators list 2>/dev/null | cut -f1 | grep -qx "$DEMO_ADMIN"; then
    printf '%s\n' "$DEMO_PASSWORD" | "$BIN/bluezone-signage" operators passwd "$DEMO_ADMIN" --password-file - >/dev/null
    "$BIN/bluezone-signage" operators unlock "$DEMO_ADMIN" >/dev/null
  else
    printf '%s\n' "$DEMO_PASSWORD" | "$BIN/bluezone-signage" operators add "$DEMO_ADMIN" --role admin --password-file - >/dev/null
  fi
fi

"$BIN/bluezone-portal" serve --bind "127.0.0.1:${demo_portal_port}" &
pids+=($!)
if [ -x "$BIN/bluezone-signage" ]; then
  SIGNAGE_PORTAL_URL="$PORTAL_PORTAL_URL" \
    "$BIN/bluezone-signage" serve --bind "127.0.0.1:${demo_signage_port}" &
  pids+=($!)
fi
sleep 2
cat <<MSG

  Captive portal:  http://127.0.0.1:${demo_portal_port}/
     (what a phone sees when it asks for another site:
      curl -i -H 'Host: example.com' http://127.0.0.1:${demo_portal_port}/some/page)
  RFC 8908 API:    http://127.0.0.1:${demo_portal_port}/api/captive-portal
MSG
if [ -x "$BIN/bluezone-signage" ]; then
  cat <<MSG
  Signage screens: http://127.0.0.1:${demo_signage_port}/
     (one of them:  http://127.0.0.1:${demo_signage_port}/screen/tuy-hoa-airport-arrivals)
  Screen status:   http://127.0.0.1:${demo_signage_port}/api/screens
  Console:         http://127.0.0.1:${demo_signage_port}/console/
     sign in as ${DEMO_ADMIN} with the password ${DEMO_PASSWORD}
     (a new password at each start; see "Operating" in README.md)
  A screen opened in a new browser plays at once and shows a pairing code in its corner:
     approve it on the console's Screens page (Màn hình), or run
     .venv/bin/bluezone-signage screens approve CODE
     and the board shows it online (see "Enrolling screens" in README.md).
MSG
fi
echo
echo "  Press Ctrl-C to stop."
wait -n "${pids[@]}"
