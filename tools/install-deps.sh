#!/usr/bin/env bash
# make deps: installs the Debian packages hakmem needs, only those missing.
set -eu
pkgs=(gcc make libunwind-dev valgrind liblttng-ust-dev lttng-tools libbabeltrace2-dev babeltrace2
      python3 perl git xz-utils coreutils clang
      libmimalloc-dev libjemalloc-dev libgoogle-perftools-dev)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "deps: all ${#pkgs[@]} packages present"
    exit 0
fi
echo "deps: installing ${missing[*]}"
sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
