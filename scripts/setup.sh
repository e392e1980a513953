#!/usr/bin/env bash
# Install everything AutoCoach needs on a fresh Debian machine, idempotently.
#   scripts/setup.sh          runtime: system packages, .venv, bun, migrations
#   scripts/setup.sh test     the same plus test needs (Chromium, pdftoppm, pytest...)
# A second run only checks and takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

profile="${1:-run}"
PYTHON="${PYTHON:-python3}"
BUN_VERSION="1.4.5"
stamps=".venv/.stamps"

say() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------
apt_packages=(tesseract-ocr tesseract-ocr-fra fonts-dejavu-core)
if [ "$profile" = "test" ]; then
  apt_packages+=(chromium poppler-utils fonts-liberation)
fi
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "Need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo_cmd="sudo"
  fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- Python virtualenv -----------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  say "creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
  .venv/bin/pip install -q --upgrade pip
fi
mkdir -p "$stamps"
install_requirements() {
  local file="$1" stamp="$stamps/$(basename "$1").sha256"
  local want; want=$(cat "$file" requirements.txt | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing Python packages from $file"
    .venv/bin/pip install -q --disable-pip-version-check -r "$file"
    echo "$want" > "$stamp"
  fi
}
install_requirements requirements.txt
[ "$profile" = "test" ] && install_requirements requirements-test.txt

# --- bun, from the npm registry (Reflex builds the frontend with it) --------
if [ "$(.tools/node_modules/.bin/bun --version 2>/dev/null || true)" != "$BUN_VERSION" ]; then
  say "installing bun $BUN_VERSION from the npm registry into .tools/"
  npm install --silent --no-audit --no-fund --prefix .tools "bun@$BUN_VERSION"
fi

# --- axe-core, from the npm registry (accessibility checks of the browser tests)
AXE_VERSION="4.14.1"
if [ "$profile" = "test" ] && [ "$(node -p "require('./.test-tools/node_modules/axe-core/package.json').version" 2>/dev/null || true)" != "$AXE_VERSION" ]; then
  say "installing axe-core $AXE_VERSION from the npm registry into .test-tools/"
  npm install --silent --no-audit --no-fund --prefix .test-tools "axe-core@$AXE_VERSION"
fi

# --- database ----------------------------------------------------------------
say "applying database migrations"
.venv/bin/python -m autocoach migrate
say "ready"
