#!/usr/bin/env bash
# Public client libraries driving the simulator's emulated devices, as they would drive real ones:
# pyfingerprint (R30x / AS608 fingerprint modules) and python-escpos (receipt printers).
# Needs python3 with venv and the PyPI registry. Usage: sim/clients/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${KIOSK_CLIENTS_VENV:-$HOME/.cache/kioskd-clients-venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q pyfingerprint python-escpos pyserial
cargo build -q -p sim
sim="${CARGO_TARGET_DIR:-target}/debug/kiosk-sim"
dir=$(mktemp -d)
trap 'kill "$devices" 2>/dev/null || true; rm -rf "$dir"' EXIT
# The world: a finger pressed four times (the same person three times, then someone else), then the
# printer runs out of paper and its cover opens.
{
  sleep 2; echo '{"cmd":"finger","persona":"p0001"}'; sleep 2; echo '{"cmd":"finger","persona":"p0001"}'
  sleep 2; echo '{"cmd":"finger","persona":"p0001"}'; sleep 2; echo '{"cmd":"finger","persona":"p0002"}'
  sleep 6; echo '{"cmd":"paper","amount":0}'; sleep 3; echo '{"cmd":"fault","device":"receipt","fault":"cover_open"}'
  sleep 8
} | "$sim" devices --dir "$dir" --speed fast > "$dir/devices.out" &
devices=$!
sleep 1
echo "== pyfingerprint"
"$venv/bin/python" sim/clients/pyfingerprint_client.py "$dir/fingerprint"
echo "== python-escpos"
"$venv/bin/python" sim/clients/escpos_client.py "$dir/receipt" 2>&1 | grep -v "media.width.pixel"
