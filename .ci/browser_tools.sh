# Sourced by .ci/e2e.sh and .ci/a11y.sh: Chromium, Node.js and the npm packages package-lock.json pins
# (axe-core, vnu-jar), installed when missing; with NEED_JAVA=1, also a Java runtime for the Nu HTML checker.
# Leaves CHROMIUM set and exported as CHROMIUM_PATH.

CHROMIUM=${CHROMIUM_PATH:-/usr/bin/chromium}
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
APT_UPDATED=""
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ -z "$APT_UPDATED" ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  $SUDO apt-get install -y -qq "$@" >/dev/null
}

if [ ! -x "$CHROMIUM" ]; then
  echo "Installing Chromium (Debian packages)"
  apt_install chromium chromium-driver fonts-dejavu-core
fi
"$CHROMIUM" --version 2>/dev/null | tail -n 1
if ! command -v npm >/dev/null; then
  echo "Installing Node.js and npm (Debian packages)"
  apt_install nodejs npm
fi
if [ "${NEED_JAVA:-}" = "1" ] && ! command -v java >/dev/null; then
  echo "Installing Java for the Nu HTML checker (Debian packages)"
  apt_install default-jre-headless
fi

installed() { node -p "try { require('$1/package.json').version } catch (e) { '' }"; }
locked() { node -p "require('./package-lock.json').packages['node_modules/$1'].version"; }
if [ "$(locked axe-core)" != "$(installed axe-core)" ] || [ "$(locked vnu-jar)" != "$(installed vnu-jar)" ] \
  || [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -f node_modules/vnu-jar/build/dist/vnu.jar ]; then
  echo "Installing axe-core and vnu-jar"
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "axe-core $(locked axe-core), vnu-jar $(locked vnu-jar)"
export CHROMIUM_PATH="$CHROMIUM"
