#!/bin/sh
# Start Chromium full screen on this screen's player page, and start it again if it dies.
#
#   SIGNAGE_URL   the player page, e.g. http://signage.local:8001/screen/tuy-hoa-airport-arrivals
#   CHROMIUM      the browser binary (default: chromium, else chromium-browser)
#   KIOSK_PROFILE the browser profile directory (default: ~/.cache/signage-kiosk)
#
# Run it from the graphical session (the systemd user unit next to this file does).
set -u

: "${SIGNAGE_URL:?set SIGNAGE_URL to the screen page, e.g. http://signage.local:8001/screen/ID}"
CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}"
KIOSK_PROFILE="${KIOSK_PROFILE:-$HOME/.cache/signage-kiosk}"
ORIGIN=$(printf '%s\n' "$SIGNAGE_URL" | sed -E 's#^(https?://[^/]+).*#\1#')

# Keep the display awake: no screen saver, no blanking, no DPMS power-down.
if command -v xset >/dev/null 2>&1 && [ -n "${DISPLAY:-}" ]; then
    xset s off
    xset s noblank
    xset -dpms
fi

mkdir -p "$KIOSK_PROFILE"
delay=2
while true; do
    # A crash leaves "exited_cleanly": false in the profile, and Chromium then shows a
    # "restore pages?" bubble over the player: mark the last exit as clean.
    prefs="$KIOSK_PROFILE/Default/Preferences"
    if [ -f "$prefs" ]; then
        sed -i 's/"exited_cleanly":false/"exited_cleanly":true/; s/"exit_type":"[^"]*"/"exit_type":"Normal"/' "$prefs"
    fi
    started=$(date +%s)
    # --unsafely-treat-insecure-origin-as-secure: service workers (offline playback) need a
    # secure origin; the signage server on the venue network is plain HTTP.
    "$CHROMIUM" \
        --kiosk \
        --noerrdialogs \
        --disable-infobars \
        --disable-translate \
        --autoplay-policy=no-user-gesture-required \
        --no-first-run \
        --disable-session-crashed-bubble \
        --disable-features=Translate \
        --check-for-update-interval=31536000 \
        --overscroll-history-navigation=0 \
        --user-data-dir="$KIOSK_PROFILE" \
        --unsafely-treat-insecure-origin-as-secure="$ORIGIN" \
        "$SIGNAGE_URL"
    status=$?
    # Back off when it keeps dying at once (a broken profile, no display), up to a minute.
    if [ $(( $(date +%s) - started )) -lt 30 ]; then
        delay=$(( delay * 2 > 60 ? 60 : delay * 2 ))
    else
        delay=2
    fi
    echo "chromium exited with status $status; restarting in $delay s" >&2
    sleep "$delay"
done
