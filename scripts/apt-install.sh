#!/usr/bin/env bash
# Installs the Debian packages given as arguments that are not installed yet (idempotent: nothing
# happens when all are present). The project's setup scripts call it with their DEBIAN_PACKAGES.
#   - runs `apt-get update` then `apt-get install -y --no-install-recommends` (as root, or with
#     password-less sudo), waiting up to 10 minutes for another apt/dpkg to finish;
#   - EXACT_GN_NO_APT=1 forbids apt: it then fails, printing the command to run yourself.
#
# Usage: bash scripts/apt-install.sh WHO PKG...      (WHO prefixes the messages, e.g. setup-data)
# Exit status 0 when every package is installed at the end.
set -euo pipefail
who="${1:?usage: apt-install.sh WHO PKG...}"
shift
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "$who: Debian packages present: $*"
  exit 0
fi
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "${EXACT_GN_NO_APT:-0}" = "1" ]; then
  echo "$who: missing Debian packages ${missing[*]}, and EXACT_GN_NO_APT=1 forbids apt; install them: sudo $cmd" >&2
  exit 1
fi
command -v apt-get >/dev/null 2>&1 || { echo "$who: missing ${missing[*]} and apt-get is not available (not Debian/Ubuntu); install their equivalents yourself" >&2; exit 1; }
SUDO=()
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
    echo "$who: missing ${missing[*]}; installing needs root or password-less sudo. Run: sudo apt-get update && sudo $cmd" >&2
    exit 1
  fi
fi
echo "$who: installing Debian packages with apt: ${missing[*]}"
LOCK=(-o DPkg::Lock::Timeout=600)
"${SUDO[@]}" apt-get "${LOCK[@]}" update -qq || { echo "$who: apt-get update failed" >&2; exit 1; }
DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get "${LOCK[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
  { echo "$who: failed: $cmd" >&2; exit 1; }
echo "$who: installed ${missing[*]}"
