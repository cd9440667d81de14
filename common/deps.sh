#!/bin/sh
# deps.sh - installs the Debian packages the labs and the grader need, and
# says what it installs. Safe to run again: it installs only what is missing.
# Runs apt-get directly as root, through sudo otherwise.
set -eu

# package          what it is for
PACKAGES="
gcc                compiles the labs and the grader
make               builds everything
pkg-config         finds the libraries' flags
check              unit-test framework (Check) for the labs' tests
libsubunit-dev     Check's link dependency
libjansson-dev     JSON: reads lab specs, writes Gradescope results.json
libxml2-dev        XML: reads Check and Helgrind logs, writes JUnit
valgrind           Helgrind, the race detector
gdb                backtraces of a hung test before it is killed
bubblewrap         the sandbox for student code
gcovr              coverage reports from gcov
patch              applies the mutants in the self-test
jq                 reads results files (CI threshold, Gradescope, Autolab, bench targets)
parallel           GNU parallel: grades a class over several machines (grader/cluster)
gnuplot-nox        draws the speedup curves of make sweep (SVG or PNG)
yamllint           checks the YAML of the GitHub Classroom workflow (make test)
"

missing=$(printf '%s\n' "$PACKAGES" | awk 'NF {print $1}' | while read -r p; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"
done)
[ -z "$missing" ] && exit 0

echo "Installing the Debian packages this project needs:"
printf '%s\n' "$PACKAGES" | awk 'NF' | while read -r p why; do
	case " $(echo $missing) " in *" $p "*) echo "  $p: $why" ;; esac
done
if [ "$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "Installed: $(echo $missing)"
