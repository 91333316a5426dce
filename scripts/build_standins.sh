#!/usr/bin/env bash
# Build the local stand-ins for the Lambda emulator images (no container registry is needed):
#   lambdacheck-standin/provided:bullseye  a custom-runtime image (glibc 2.31)
#   lambdacheck-standin/python:bullseye    the same plus awslambdaric for Debian's CPython 3.9
# Both follow the official images' layout: ENV (LANG, TZ, PATH, LD_LIBRARY_PATH, LAMBDA_TASK_ROOT,
# LAMBDA_RUNTIME_DIR), WORKDIR /var/task, /lambda-entrypoint.sh, /usr/local/bin/aws-lambda-rie.
#
# Usage: scripts/build_standins.sh [--force]
# Env:   LAMBDACHECK_STANDIN_CACHE  debootstrap rootfs + downloads (default ~/.cache/lambdacheck-standins)
#        LAMBDACHECK_DEBIAN_MIRROR  (default http://deb.debian.org/debian)
# Images are rebuilt only when their label io.lambdacheck.standin-inputs differs from the hash of
# this script and scripts/standins/*. Needs root (debootstrap) and a reachable Docker engine.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
files="$here/standins"
cache=${LAMBDACHECK_STANDIN_CACHE:-$HOME/.cache/lambdacheck-standins}
mirror=${LAMBDACHECK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bullseye
repo=lambdacheck-standin
images=("$repo/provided:$suite" "$repo/python:$suite")
label=io.lambdacheck.standin-inputs

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

rie_arch() {
    case "$(uname -m)" in
        x86_64) echo x86_64 ;;
        aarch64) echo arm64 ;;
        *) die "no RIE binary for $(uname -m)" ;;
    esac
}

make_rootfs() {
    local rootfs="$cache/rootfs-$suite" stamp="debootstrap --variant=minbase --include=python3 $suite"
    if [ -f "$rootfs/.lambdacheck-complete" ] && [ "$(cat "$rootfs/.lambdacheck-complete")" = "$stamp" ]; then
        say "rootfs cached: $rootfs"
        return
    fi
    rm -rf "$rootfs" "$rootfs.partial"
    say "debootstrap $suite (minbase + python3) from $mirror"
    debootstrap --variant=minbase --include=python3 "$suite" "$rootfs.partial" "$mirror" \
        >"$cache/debootstrap.log" 2>&1 || die "debootstrap failed, see $cache/debootstrap.log"
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

overlay_provided() {  # $1 = image tree to create: the rootfs (hard links) plus the RIE layout
    local dir=$1
    cp -al "$cache/rootfs-$suite" "$dir"  # new files only below: the cached rootfs stays untouched
    rm -f "$dir/.lambdacheck-complete"
    install -d -m 0755 "$dir/usr/local/bin" "$dir/var/task" "$dir/var/runtime" "$dir/opt"
    install -m 0755 "$files/lambda-entrypoint.sh" "$dir/lambda-entrypoint.sh"
    unzip -p "$cache"/downloads/aws_sam_cli-*.whl "samcli/local/rapid/aws-lambda-rie-$(rie_arch)" \
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

import_image() {  # $1 = tag, $2 = image tree
    local -a changes=(
        --change "ENV LANG=en_US.UTF-8"
        --change "ENV TZ=:/etc/localtime"
        --change "ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin"
        --change "ENV LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"
        --change "ENV LAMBDA_TASK_ROOT=/var/task"
        --change "ENV LAMBDA_RUNTIME_DIR=/var/runtime"
        --change "WORKDIR /var/task"
        --change 'ENTRYPOINT ["/lambda-entrypoint.sh"]'
        --change "LABEL $label=$hash"
    )
    local previous
    previous=$(docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true)
    say "docker import $1"
    tar --numeric-owner -C "$2" -c . | docker import "${changes[@]}" - "$1" >/dev/null
    if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect --format '{{.Id}}' "$1")" ]; then
        docker image rm "$previous" >/dev/null 2>&1 || true  # the replaced build, if unused
    fi
}

main() {
    work=
    [ "${1:-}" = "--force" ] && force=1 || force=0
    command -v docker >/dev/null || die "docker CLI not found"
    docker info >/dev/null 2>&1 || die "Docker engine not reachable (try scripts/start_docker.sh)"
    hash=$(inputs_hash)
    if [ "$force" = 0 ] && image_is_current "${images[0]}" && image_is_current "${images[1]}"; then
        say "up to date (${images[*]}, inputs $hash)"
        return 0
    fi
    [ "$(id -u)" = 0 ] || die "needs root (debootstrap builds the root filesystem)"
    for tool in debootstrap pip unzip tar; do
        command -v "$tool" >/dev/null || die "$tool not found"
    done
    mkdir -p "$cache/downloads"
    local started=$SECONDS
    make_rootfs
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
    say "built ${images[*]} in $((SECONDS - started)) s (inputs $hash)"
}

main "$@"
