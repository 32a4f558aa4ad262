# Sourced by tools/test and tools/bench: installs the Debian packages that the
# build, the tests, the benchmarks, the MPI example (Open MPI) and the
# reference documentation (doxygen) need, only where one is missing.
ws_deps_install() {
    local pkgs=(build-essential cmake ninja-build pkg-config liburcu-dev libhwloc-dev
                clang-14 libclang-rt-14-dev libomp-14-dev libbenchmark-dev libtbb-dev
                gnuplot-nox python3 openmpi-bin libopenmpi-dev doxygen "$@")
    local missing=()
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing packages: ${missing[*]} (run as root to install them)" >&2
        return 1
    fi
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
