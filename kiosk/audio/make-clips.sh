#!/usr/bin/env bash
# Regenerate the board's announcement clips (kiosk/audio/id/*.wav) from words.txt with
# espeak-ng's Indonesian voice, trimmed of silence, 16 kHz mono 16-bit PCM (the server
# joins them into one WAV and needs them all in this one format).
# Debian: apt-get install espeak-ng sox. Run from anywhere; the clips are committed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/id"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
grep -v '^#' "$here/words.txt" | while IFS=$'\t' read -r word spoken; do
    [ -n "$word" ] || continue
    spoken="${spoken:-$word}"
    espeak-ng -v id -s 140 -w "$tmp/raw.wav" "$spoken" 2>/dev/null
    sox "$tmp/raw.wav" -r 16000 -c 1 -b 16 -e signed-integer "$out/$word.wav" \
        silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse
done
echo "clips in $out: $(ls "$out" | wc -l)"
