#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what building and testing jitfuse needs on a fresh Debian/Ubuntu machine.
# Idempotent and silent when everything is already there.
set -euo pipefail

packages=(cmake ninja-build g++ clang doctest-dev nlohmann-json3-dev libsleef-dev libxxhash-dev libcli11-dev
          libboost-context-dev)

missing=()
for cmd in cmake ninja g++ clang++; do  # clang++: the consumer test built with another compiler
    command -v "$cmd" >/dev/null 2>&1 || missing+=("command $cmd")
done
have_header() {
    # Debian may put a header in the multiarch folder (sleef.h: /usr/include/x86_64-linux-gnu).
    local h
    for h in "/usr/include/$1" /usr/include/*/"$1"; do
        [[ -f "$h" ]] && return 0
    done
    return 1
}
for header in doctest/doctest.h nlohmann/json.hpp sleef.h xxhash.h CLI/CLI.hpp boost/context/fiber.hpp; do
    have_header "$header" || missing+=("header $header")
done

[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "setup: missing ${missing[*]}; as root run: apt-get install ${packages[*]}" >&2
    exit 1
fi
echo "setup: missing ${missing[*]}; installing ${packages[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}"
