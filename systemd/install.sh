#!/bin/sh
# Install kioskd on a kiosk: the binaries, the systemd unit, the udev rules, sysusers.d and
# tmpfiles.d entries, the example configuration and policy. See systemd/README.md.
#
#   systemd/install.sh [--prefix PREFIX] [--destdir DIR] [--features LIST]
#                      [--no-build] [--bin PATH] [--kioskctl PATH]
#
# --prefix PREFIX  where binaries, unit, rules and docs go (default /usr/local; /usr for a distro
#                  image). The unit's paths are rewritten to match. The configuration always goes
#                  to /etc/kioskd (the unit's ConfigurationDirectory=).
# --destdir DIR    stage everything under DIR (a package or an image); runs unprivileged, and
#                  leaves the live system alone.
# --features LIST  cargo features for the build, e.g. usb (USB printers).
# --no-build       do not run cargo: install --bin (default: the existing release build).
# --bin PATH       the kioskd binary to install (implies --no-build).
# --kioskctl PATH  the kioskctl binary to install with --no-build (default: the release build's,
#                  if there is one).
#
# An existing /etc/kioskd/kioskd.toml or policy.toml is never overwritten; the examples are always
# installed under PREFIX/share/doc/kioskd/. Without --destdir (as root) it then creates the user and
# groups, the directories, reloads udev and systemd; `systemctl enable --now kioskd` is left to you.
set -eu

die() {
    echo "install.sh: $*" >&2
    exit 2
}

prefix=/usr/local
destdir=${DESTDIR:-}
features=
build=yes
bin=
kioskctl=
while [ $# -gt 0 ]; do
    case $1 in
    --prefix) [ $# -ge 2 ] || die "--prefix needs a value"; prefix=$2; shift 2 ;;
    --prefix=*) prefix=${1#*=}; shift ;;
    --destdir) [ $# -ge 2 ] || die "--destdir needs a value"; destdir=$2; shift 2 ;;
    --destdir=*) destdir=${1#*=}; shift ;;
    --features) [ $# -ge 2 ] || die "--features needs a value"; features=$2; shift 2 ;;
    --features=*) features=${1#*=}; shift ;;
    --no-build) build=no; shift ;;
    --bin) [ $# -ge 2 ] || die "--bin needs a value"; bin=$2; build=no; shift 2 ;;
    --bin=*) bin=${1#*=}; build=no; shift ;;
    --kioskctl) [ $# -ge 2 ] || die "--kioskctl needs a value"; kioskctl=$2; shift 2 ;;
    --kioskctl=*) kioskctl=${1#*=}; shift ;;
    -h | --help) sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
    esac
done

# The prefix goes into the unit through sed and into paths: absolute, and nothing sed would read.
case $prefix in
/*) ;;
*) die "--prefix must be an absolute path, not $prefix" ;;
esac
case $prefix in
*[!A-Za-z0-9/._+-]*) die "--prefix may hold only letters, digits and / . _ + -: $prefix" ;;
esac
while [ "$prefix" != / ] && [ "${prefix%/}" != "$prefix" ]; do prefix=${prefix%/}; done
[ "$prefix" = / ] && prefix=
destdir=${destdir%/}
case $destdir in
"" | /*) ;;
*) destdir=$(pwd)/$destdir ;;
esac
if [ -z "$destdir" ] && [ "$(id -u)" != 0 ]; then
    die "installing into the live system needs root; or stage it with --destdir DIR"
fi

src=$(cd "$(dirname "$0")/.." && pwd)
sd=$src/systemd

# The cargo target directory (CARGO_TARGET_DIR and .cargo/config included).
target_dir() {
    printf '%s' "$1" | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p'
}
if [ $build = yes ]; then
    [ -z "$kioskctl" ] || die "--kioskctl goes with --no-build or --bin"
    meta=$(cd "$src" && cargo metadata --no-deps --format-version 1)
    bins=--bin=kioskd
    # kioskctl, the staff tool, where the package has it.
    case $meta in *'"name":"kioskctl"'*) bins="$bins --bin=kioskctl" ;; esac
    # shellcheck disable=SC2086 # $bins is a list of arguments
    (cd "$src" && cargo build --release --locked -p kioskd $bins ${features:+--features "$features"})
    bin=$(target_dir "$meta")/release/kioskd
    case $bins in *kioskctl*) kioskctl=$(target_dir "$meta")/release/kioskctl ;; esac
elif [ -n "$features" ]; then
    die "--features goes with a build, not with --no-build or --bin"
elif [ -z "$bin" ]; then
    bin=$(target_dir "$(cd "$src" && cargo metadata --no-deps --format-version 1)")/release/kioskd
    if [ -z "$kioskctl" ] && [ -f "$(dirname "$bin")/kioskctl" ]; then
        kioskctl=$(dirname "$bin")/kioskctl
    fi
fi
[ -f "$bin" ] || die "no kioskd binary at $bin (build it, or give --bin PATH)"
[ -z "$kioskctl" ] || [ -f "$kioskctl" ] || die "no kioskctl binary at $kioskctl"

# inst MODE SRC DEST: copy a file, making its directory; replaces DEST at once.
inst() {
    mkdir -p "$(dirname "$3")"
    cp "$2" "$3.new"
    chmod "$1" "$3.new"
    mv -f "$3.new" "$3"
    echo "  $3"
}

# config MODE SRC NAME: /etc/kioskd/NAME from SRC, unless there is one already.
config() {
    if [ -e "$root/etc/kioskd/$3" ]; then
        echo "  $root/etc/kioskd/$3 exists: kept (the new example is $doc/$3.example)"
    else
        inst "$1" "$2" "$root/etc/kioskd/$3"
    fi
}

root=$destdir
lib=$root$prefix/lib
doc=$root$prefix/share/doc/kioskd
echo "installing kioskd into ${destdir:-the live system} (prefix ${prefix:-/})"

inst 0755 "$bin" "$root$prefix/bin/kioskd"
[ -z "$kioskctl" ] || inst 0755 "$kioskctl" "$root$prefix/bin/kioskctl"

# The unit, with its /usr/local paths (ExecStart=, Documentation=) turned into this prefix's.
unit=$lib/systemd/system/kioskd.service
mkdir -p "$(dirname "$unit")"
sed "s#/usr/local/#$prefix/#g" "$sd/kioskd.service" >"$unit.in"
inst 0644 "$unit.in" "$unit"
rm -f "$unit.in"
inst 0644 "$sd/99-kiosk.rules" "$lib/udev/rules.d/99-kiosk.rules"
inst 0644 "$sd/kioskd.sysusers" "$lib/sysusers.d/kioskd.conf"
inst 0644 "$sd/kioskd.tmpfiles" "$lib/tmpfiles.d/kioskd.conf"

inst 0644 "$sd/README.md" "$doc/README.md"
inst 0644 "$sd/kioskd.toml" "$doc/kioskd.toml.example"
inst 0644 "$src/sim/data/policy.toml" "$doc/policy.toml.example"
# The configuration, only where there is none yet. kioskd.toml 0640: it may hold central's token
# (kioskd.tmpfiles makes it root:kioskd).
config 0640 "$sd/kioskd.toml" kioskd.toml
config 0644 "$src/sim/data/policy.toml" policy.toml

case $prefix in
/usr | /usr/local) ;;
*) echo "note: systemd and udev do not look under $prefix/lib: link its systemd/system, udev/rules.d," \
    "sysusers.d and tmpfiles.d files into /etc/systemd/system, /etc/udev/rules.d, /etc/sysusers.d and /etc/tmpfiles.d" ;;
esac

if [ -z "$destdir" ]; then
    # The live system: user and groups, directories, udev and systemd told.
    systemd-sysusers "$lib/sysusers.d/kioskd.conf"
    systemd-tmpfiles --create "$lib/tmpfiles.d/kioskd.conf"
    if command -v udevadm >/dev/null 2>&1; then
        udevadm control --reload || true
        udevadm trigger --action=add --subsystem-match=tty --subsystem-match=usb \
            --subsystem-match=video4linux --subsystem-match=input || true
    fi
    [ -d /run/systemd/system ] && systemctl daemon-reload
    echo "next: edit /etc/kioskd/kioskd.toml (kioskd check-config /etc/kioskd/kioskd.toml)," \
        "then systemctl enable --now kioskd"
fi
