#!/bin/sh
# bench.sh - make bench: the lab's speedup checks timed the way the grader
# times them (grader/check_speedup.c), with the commands, pairs and targets
# of the lab's own lab.json, so that nothing here can drift from the grader.
# Prints figures, never a verdict: make grade gives that.
#   usage: bench.sh -j LAB_JSON -d BINDIR [-l LAB] [-c CHECK] [-f "FILES"] [-v]
#     -c CHECK   only that check (default: every check of kind "speedup")
#     -f FILES   the student's files, for deadline.sh's view of a hang
#
# Per check: interleaved pairs, the baseline then the candidate (then the
# control's two programs, where the check has a control), at least
# pairs_min and more while the ratios disagree, at most pairs_max; each run
# under the check's timeout_s. bench.awk sums them up.
# shellcheck disable=SC2154,SC2016 # name, base ... are set by eval from lab.json's jq
set -u
here=$(dirname "$0")

# When the grader stops adding pairs (check_speedup.c's SPREAD_OK); its
# defaults for what a spec leaves out are in CHECKS below.
SPREAD_OK=0.25

spec=lab.json bin=. lab='' only='' files='' verbose=''
while getopts j:d:l:c:f:v opt; do
	case $opt in
	j) spec=$OPTARG ;; d) bin=$OPTARG ;; l) lab=$OPTARG ;; c) only=$OPTARG ;;
	f) files=$OPTARG ;; v) verbose=-v ;;
	*) echo "usage: bench.sh -j LAB_JSON -d BINDIR [-l LAB] [-c CHECK] [-f FILES] [-v]" >&2
	   exit 2 ;;
	esac
done

if ! command -v jq > /dev/null 2>&1; then
	echo "make bench: jq is not installed, and it reads the lab's lab.json: run make deps" >&2
	exit 1
fi

# One line per speedup check: shell assignments, each value quoted by jq.
CHECKS='.checks[] | select(.kind == "speedup") | select($only == "" or .name == $only) |
	[ "name=\(.name | @sh)", "title=\(.title // "" | @sh)", "bound=\(.bound // "sleep" | @sh)",
	  "base=\(.baseline | join(" ") | @sh)", "cand=\(.candidate | join(" ") | @sh)",
	  "ctl_base=\(.control[0] // [] | join(" ") | @sh)",
	  "ctl_cand=\(.control[1] // [] | join(" ") | @sh)",
	  "target=\(.target // 1)", "min_inflight=\(.min_inflight // 1)",
	  "work_done=\(.work_done // -1)", "pairs_min=\(.pairs_min // 5)",
	  "pairs_max=\(.pairs_max // 11)", "timeout=\(.timeout_s // 30 | ceil)",
	  "min_control=\(.min_control // 1.3)" ] | join(" ")'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
jq -r --arg only "$only" "$CHECKS" "$spec" > "$tmp/checks" || exit 1
if ! grep -q '^name=' "$tmp/checks"; then
	names=$(jq -r '[.checks[] | select(.kind == "speedup") | .name] | join(", ")' "$spec")
	if [ -n "$only" ]; then
		echo "make bench: CHECK=$only is not a speedup check of this lab; its speedup checks: ${names:-none}" >&2
		exit 2
	fi
	echo "make bench: this lab has no speedup check (lab.json), so there is nothing to time."
	exit 0
fi

# The CPUs this process may use: the affinity mask, then the cgroup's quota
# (as the grader's effective_cpus).
effective_cpus() {
	n=$(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc)
	cg=$(sed -n 's/^0:://p' /proc/self/cgroup 2>/dev/null)
	q=$(cat "/sys/fs/cgroup$cg/cpu.max" 2>/dev/null)
	[ -n "$q" ] || q="$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us 2>/dev/null | tr '\n' ' ')"
	echo "$n $q" | awk '{ c = $1; if ($2 + 0 > 0 && $3 + 0 > 0 && $2 / $3 < c) c = $2 / $3; print c }'
}

# Runs one program of the spec ("bench_seq 8 64 2") once; prints
# "elapsed_ns max_inflight work_done" from its BENCH line. Traced like the
# grader's runs of baseline and candidate (TRACE=1).
run_once() {
	trace=$1
	shift
	rm -f "$tmp/bench.out" "$tmp/trace.out"
	prog=$1
	shift
	BENCH_OUT=$tmp/bench.out TRACE_OUT=$([ "$trace" = 1 ] && echo "$tmp/trace.out") \
		sh "$here/deadline.sh" -t "$timeout" -f "$files" -n "$prog" $verbose -- \
		"$bin/$prog" "$@" < /dev/null > /dev/null
	rc=$?
	line=$(sed -n 's/^BENCH elapsed_ns=\([0-9]*\) cpu_ns=[0-9]* workers=[0-9]* max_inflight=\([0-9-]*\) work_done=\([0-9-]*\).*/\1 \2 \3/p' \
		"$tmp/bench.out" 2>/dev/null | tail -n 1)
	if [ "$rc" -ne 0 ] || [ -z "$line" ]; then
		case $rc in
		0) why="printed no BENCH line" ;;
		124) why="did not finish within $timeout s, the grader's limit for one run" ;;
		*) why="failed (exit code $rc) without a result" ;;
		esac
		echo "make bench: $prog $* $why (the lines above say more)." >&2
		return 1
	fi
	echo "$line"
}

# One interleaved pair (and the control's pair) appended to $tmp/pairs.
trial() {
	# shellcheck disable=SC2086 # a command's words are meant to split
	b=$(run_once 1 $base) && c=$(run_once 1 $cand) || return 1
	# shellcheck disable=SC2086 # elapsed_ns max_inflight work_done
	set -- $c
	if [ "$work_done" -ge 0 ] && [ "$3" -ne "$work_done" ]; then
		echo "make bench: ${cand%% *} counted $3 work items where $work_done were due: every task must do its simulated work exactly once." >&2
		return 1
	fi
	cb='' cc=''
	if [ -n "$ctl_base" ]; then
		# shellcheck disable=SC2086
		cb=$(run_once 0 $ctl_base) && cc=$(run_once 0 $ctl_cand) || return 1
	fi
	echo "$b $c $cb $cc" >> "$tmp/pairs"
}

# True when the pairs' ratios agree well enough to stop adding pairs.
agree() {
	awk -v ok="$SPREAD_OK" '$4 > 0 { r[++n] = $1 / $4 }
		END {
			if (n == 0) exit 1
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
				if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
			med = n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
			exit !(med > 0 && (r[n] - r[1]) / med <= ok)
		}' "$tmp/pairs"
}

bench_check() {
	: > "$tmp/pairs"
	what="$base, then $cand"
	[ -n "$ctl_base" ] && what="$what, then the control's $ctl_base and $ctl_cand"
	echo "$name${title:+: $title}"
	echo "  timing $pairs_min to $pairs_max rounds of $what ..."
	n=0
	while [ "$n" -lt "$pairs_max" ]; do
		if [ "$n" -ge "$pairs_min" ] && agree; then
			break
		fi
		trial || return 1
		n=$((n + 1))
	done
	awk -f "$here/bench.awk" -v bound="$bound" -v base="$base" -v cand="$cand" \
		-v ctl_base="$ctl_base" -v ctl_cand="$ctl_cand" -v target="$target" \
		-v min_inflight="$min_inflight" -v min_control="$min_control" \
		-v cpus="$cpus" -v pairs_max="$pairs_max" -v spread_ok="$SPREAD_OK" "$tmp/pairs"
}

cpus=$(effective_cpus)
rc=0
while read -r assignments; do
	[ -n "$assignments" ] || continue
	eval "$assignments"
	bench_check || rc=1
done < "$tmp/checks"

[ "$rc" -eq 0 ] || exit 1
grade="make grade LAB=${lab%%-*}"
[ -n "$only" ] && grade="$grade CHECK=$only"
echo "These are figures, not a verdict, and one look on a shared machine is noisy:"
echo "$grade (in the project folder) times the same commands and gives the verdict."
