#!/bin/sh
# Runs the MPI example as one process and as two ranks (with and without
# binding, and with WSCHED_WORKERS from the launcher) and checks that every
# run prints the one-process checksum, and that no CPU has pinned workers of
# two ranks. Usage: check.sh EXECUTABLE [n]
set -eu
exe=$1
n=${2:-192}
if [ "$(id -u)" -eq 0 ]; then # Open MPI refuses root unless told
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
want=$("$exe" "$n")
echo "one process: $want"
case $want in "checksum "[0-9]*) ;; *) echo "no checksum from one process"; exit 1 ;; esac
err=$(mktemp)
trap 'rm -f "$err"' EXIT
for launch in "--bind-to core" "--bind-to none" "--bind-to none -x WSCHED_WORKERS=1" \
    "--bind-to none -x WSCHED_WORKERS=2"; do
    # shellcheck disable=SC2086
    got=$(mpirun --oversubscribe --allow-run-as-root $launch -np 2 "$exe" "$n" 2>"$err")
    echo "2 ranks, $launch: $got"
    sed 's/^/    /' "$err"
    [ "$got" = "$want" ] || { echo "mismatch"; exit 1; }
    # Pinned workers of different ranks never share a CPU.
    dup=$(sed -n 's/.* on CPUs//p' "$err" | tr ' ' '\n' | grep . | sort | uniq -d)
    [ -z "$dup" ] || { echo "CPUs pinned by two ranks: $dup"; exit 1; }
done
