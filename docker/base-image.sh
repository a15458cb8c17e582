#!/bin/sh
# base-image.sh ENGINE TAG: a Debian bookworm base with Debian's Python 3.11 (the lock's
# major.minor), for a machine that cannot pull the Dockerfile's default python:3.11 image
# (no registry access). debootstrap's minbase plus python3, venv and libgomp1 (XGBoost's
# OpenMP), trimmed of what no container reads (downloaded packages, apt lists, docs, man
# pages, locales), and imported as TAG. Needs root and debootstrap; about a minute.
set -eu
engine=$1
tag=$2
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates,libgomp1 \
  bookworm "$root" "$mirror" >"$root.log" 2>&1 || { tail -20 "$root.log"; rm -f "$root.log"; exit 1; }
rm -f "$root.log"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/* "$root"/usr/share/info/*
tar -C "$root" -c . | "$engine" import --change 'CMD ["python3"]' - "$tag" >/dev/null
echo "$tag: built from Debian bookworm with debootstrap (python3 $(chroot "$root" python3 -c 'import platform; print(platform.python_version())'))"
