#!/usr/bin/env bash
# Build the local stand-ins for the Lambda emulator images (no container registry is needed):
#   lambdacheck-standin/provided:bullseye        a custom-runtime image (glibc 2.31)
#   lambdacheck-standin/python:bullseye          the same plus awslambdaric for Debian's CPython 3.9
#   lambdacheck-standin/provided:bullseye-arm64  the custom-runtime image for arm64, built and run
#                                                under QEMU (skipped without a binfmt_misc handler)
# Both follow the official images' layout: ENV (LANG, TZ, PATH, LD_LIBRARY_PATH, LAMBDA_TASK_ROOT,
# LAMBDA_RUNTIME_DIR), WORKDIR /var/task, /lambda-entrypoint.sh, /usr/local/bin/aws-lambda-rie.
#
# Usage: scripts/build_standins.sh [--force]
# Env:   LAMBDACHECK_STANDIN_CACHE  debootstrap rootfs + downloads (default ~/.cache/lambdacheck-standins)
#        LAMBDACHECK_DEBIAN_MIRROR  (default: the Debian archive apt is configured with)
# Images are rebuilt only when their label io.lambdacheck.standin-inputs differs from the hash of
# this script and scripts/standins/*. Needs root (debootstrap) and a reachable Docker engine.
# The arm64 image needs a binfmt_misc aarch64 handler with the F flag; as root, the script
# mounts binfmt_misc and enables qemu-user-static's handler when they are installed but off.
# `docker import --platform` on Engine 20.10 records amd64, so the arm64 image is written as a
# `docker load` archive whose config says arm64 (scripts/standins/image_archive.py).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
files="$here/standins"
cache=${LAMBDACHECK_STANDIN_CACHE:-$HOME/.cache/lambdacheck-standins}
# The Debian archive apt uses here (deb822 .sources or one-line .list entries), not a host of ours.
apt_mirror() {
    local uri
    uri=$(awk '$1 == "URIs:" { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }' \
          /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
    [ -n "$uri" ] || uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\/.*\/debian\/?$/) { print $i; exit } }' \
          /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1)
    printf '%s' "$uri"
}
mirror=${LAMBDACHECK_DEBIAN_MIRROR:-$(apt_mirror)}
suite=bullseye
repo=lambdacheck-standin
images=("$repo/provided:$suite" "$repo/python:$suite")
arm64_image="$repo/provided:$suite-arm64"
label=io.lambdacheck.standin-inputs
binfmt=/proc/sys/fs/binfmt_misc

say() { printf 'build_standins: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

inputs_hash() {
    { cat "${BASH_SOURCE[0]}"; cat "$files"/*; printf '%s\n' "$suite" "$(uname -m)"; } \
        | sha256sum | cut -c1-16
}

image_is_current() {
    local have
    have=$(docker image inspect --format "{{index .Config.Labels \"$label\"}}" "$1" 2>/dev/null) \
        || return 1
    [ "$have" = "$hash" ]
}

host_arch() {
    case "$(uname -m)" in
        x86_64) echo x86_64 ;;
        aarch64) echo arm64 ;;
        *) die "no RIE binary for $(uname -m)" ;;
    esac
}

debian_arch() { [ "$1" = x86_64 ] && echo amd64 || echo "$1"; }

arm64_runs() {  # an enabled aarch64 handler with the F flag (containers cannot reach it otherwise)
    [ "$(host_arch)" = arm64 ] && return 0
    [ -f "$binfmt/qemu-aarch64" ] && grep -qx enabled "$binfmt/qemu-aarch64" \
        && grep -q '^flags: .*F' "$binfmt/qemu-aarch64"
}

enable_arm64_emulation() {  # best effort, as root: the handler qemu-user-static installs
    arm64_runs && return 0
    [ "$(id -u)" = 0 ] || return 1
    [ -f "$binfmt/status" ] || mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null || return 1
    if command -v update-binfmts >/dev/null && [ -f /usr/share/binfmts/qemu-aarch64 ]; then
        update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
    elif [ -f /usr/lib/binfmt.d/qemu-aarch64.conf ] && [ ! -e "$binfmt/qemu-aarch64" ]; then
        cat /usr/lib/binfmt.d/qemu-aarch64.conf >"$binfmt/register" 2>/dev/null || true
    fi
    arm64_runs
}

make_rootfs() {  # $1 = arch (x86_64 or arm64); the host's rootfs keeps its old cache name
    local arch=$1 rootfs="$cache/rootfs-$suite" debarch
    debarch=$(debian_arch "$arch")
    [ "$arch" = "$(host_arch)" ] || rootfs="$rootfs-$arch"
    local stamp="debootstrap --variant=minbase --include=python3 $suite"
    [ "$arch" = "$(host_arch)" ] || stamp="$stamp --arch=$debarch"
    if [ -f "$rootfs/.lambdacheck-complete" ] && [ "$(cat "$rootfs/.lambdacheck-complete")" = "$stamp" ]; then
        say "rootfs cached: $rootfs"
        return
    fi
    rm -rf "$rootfs" "$rootfs.partial"
    [ -n "$mirror" ] || die "no Debian archive in apt's sources; set LAMBDACHECK_DEBIAN_MIRROR"
    say "debootstrap $suite for $debarch (minbase + python3) from $mirror"
    debootstrap --variant=minbase --include=python3 --arch="$debarch" "$suite" "$rootfs.partial" \
        "$mirror" >"$cache/debootstrap-$arch.log" 2>&1 \
        || die "debootstrap failed, see $cache/debootstrap-$arch.log"
    rm -rf "$rootfs.partial"/usr/share/{doc,man,info,locale}/* "$rootfs.partial"/var/cache/apt/* \
        "$rootfs.partial"/var/lib/apt/lists/* "$rootfs.partial"/var/log/*
    printf '%s' "$stamp" >"$rootfs.partial/.lambdacheck-complete"
    mv "$rootfs.partial" "$rootfs"
}

download() {  # $1 = requirements file, rest = extra pip options
    local req=$1; shift
    pip download --quiet --disable-pip-version-check --require-hashes --no-deps \
        -d "$cache/downloads" -r "$req" "$@"
}

overlay_provided() {  # $1 = image tree to create, $2 = arch: the rootfs (hard links) + RIE layout
    local dir=$1 arch=${2:-$(host_arch)} rootfs="$cache/rootfs-$suite"
    [ "$arch" = "$(host_arch)" ] || rootfs="$rootfs-$arch"
    cp -al "$rootfs" "$dir"  # new files only below: the cached rootfs stays untouched
    rm -f "$dir/.lambdacheck-complete"
    install -d -m 0755 "$dir/usr/local/bin" "$dir/var/task" "$dir/var/runtime" "$dir/opt"
    install -m 0755 "$files/lambda-entrypoint.sh" "$dir/lambda-entrypoint.sh"
    unzip -p "$cache"/downloads/aws_sam_cli-*.whl "samcli/local/rapid/aws-lambda-rie-$arch" \
        >"$dir/usr/local/bin/aws-lambda-rie"
    chmod 0755 "$dir/usr/local/bin/aws-lambda-rie"
}

overlay_python() {  # $1 = image tree (a copy of the provided one)
    local dir=$1
    pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-index --find-links "$cache/downloads" \
        --target "$dir/var/runtime" --platform manylinux2014_x86_64 --python-version 3.9 \
        --implementation cp --only-binary=:all: --no-compile awslambdaric==4.0.4
    rm -rf "$dir/var/runtime/bin"
    install -m 0755 "$files/python-bootstrap" "$dir/var/runtime/bootstrap"
    # Byte-compile with the image's own CPython, so a read-only /var/runtime does not cost
    # a recompile on every cold start.
    docker run --rm --network none -v "$dir/var/runtime:/var/runtime" --entrypoint /usr/bin/python3 \
        "${images[0]}" -m compileall -q /var/runtime >/dev/null
    chmod -R a+rX "$dir/var/runtime"
}

image_env=(
    "LANG=en_US.UTF-8"
    "TZ=:/etc/localtime"
    "PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
    "LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
    "LAMBDA_TASK_ROOT=/var/task"
    "LAMBDA_RUNTIME_DIR=/var/runtime"
)

replace_image() {  # $1 = tag, $2 = command that creates it; the build it replaces is removed
    local tag=$1 previous
    shift
    previous=$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
    "$@"
    if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect --format '{{.Id}}' "$tag")" ]; then
        docker image rm "$previous" >/dev/null 2>&1 || true  # the replaced build, if unused
    fi
}

import_image() {  # $1 = tag, $2 = image tree (the host's architecture)
    local -a changes=(--change "WORKDIR /var/task" --change 'ENTRYPOINT ["/lambda-entrypoint.sh"]'
                      --change "LABEL $label=$hash")
    local item
    for item in "${image_env[@]}"; do changes+=(--change "ENV $item"); done
    say "docker import $1"
    replace_image "$1" _import "$2" "$1" "${changes[@]}"
}

_import() {  # $1 = tree, $2 = tag, rest = --change options
    local tree=$1 tag=$2
    shift 2
    tar --numeric-owner -C "$tree" -c . | docker import "$@" - "$tag" >/dev/null
}

load_image() {  # $1 = tag, $2 = image tree, $3 = arch: a load archive whose config names the arch
    local tag=$1 tree=$2 arch=$3 item
    local -a config=(--tag "$tag" --arch "$arch" --workdir /var/task
                     --entrypoint '["/lambda-entrypoint.sh"]' --label "$label=$hash")
    for item in "${image_env[@]}"; do config+=(--env "$item"); done
    say "docker load $tag ($arch)"
    tar --numeric-owner -C "$tree" -cf "$work/layer-$arch.tar" .
    python3 "$files/image_archive.py" --layer "$work/layer-$arch.tar" "${config[@]}" \
        "$work/image-$arch.tar"
    rm -f "$work/layer-$arch.tar"
    replace_image "$tag" _load "$work/image-$arch.tar"
    rm -f "$work/image-$arch.tar"
}

_load() { docker load -q -i "$1" >/dev/null; }

main() {
    work=
    [ "${1:-}" = "--force" ] && force=1 || force=0
    command -v docker >/dev/null || die "docker CLI not found"
    docker info >/dev/null 2>&1 || die "Docker engine not reachable (try scripts/start_docker.sh)"
    hash=$(inputs_hash)
    local -a wanted=("${images[@]}")
    if [ "$(host_arch)" = x86_64 ]; then
        if enable_arm64_emulation; then
            wanted+=("$arm64_image")
        else
            say "skipping $arm64_image: no binfmt_misc aarch64 handler with the F flag" \
                "(apt-get install qemu-user-static binfmt-support)"
        fi
    fi
    local current=1 image
    for image in "${wanted[@]}"; do image_is_current "$image" || current=0; done
    if [ "$force" = 0 ] && [ "$current" = 1 ]; then
        say "up to date (${wanted[*]}, inputs $hash)"
        return 0
    fi
    [ "$(id -u)" = 0 ] || die "needs root (debootstrap builds the root filesystem)"
    for tool in debootstrap pip unzip tar; do
        command -v "$tool" >/dev/null || die "$tool not found"
    done
    mkdir -p "$cache/downloads"
    local started=$SECONDS
    make_rootfs "$(host_arch)"
    download "$files/requirements-rie.txt"
    download "$files/requirements-python39.txt" --platform manylinux2014_x86_64 \
        --python-version 3.9 --implementation cp --only-binary=:all:
    work=$(mktemp -d "$cache/build.XXXXXX")
    trap 'rm -rf "${work:-}"' EXIT
    overlay_provided "$work/provided"
    import_image "${images[0]}" "$work/provided"
    cp -al "$work/provided" "$work/python"
    overlay_python "$work/python"
    import_image "${images[1]}" "$work/python"
    if [[ " ${wanted[*]} " == *" $arm64_image "* ]]; then
        make_rootfs arm64
        overlay_provided "$work/provided-arm64" arm64
        load_image "$arm64_image" "$work/provided-arm64" arm64
    fi
    say "built ${wanted[*]} in $((SECONDS - started)) s (inputs $hash)"
}

main "$@"
