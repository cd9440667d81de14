#!/bin/sh
# deadline.sh - runs a lab's program under a deadline, like the grader does,
# and when it hangs shows where each thread of the stuck process waits (one
# line per thing the threads do, the student's own frames first), then stops it.
#
#   usage: deadline.sh [-t SECONDS] [-s SECONDS [-l SECONDS]] [-f "FILES"] [-n NAME] [-v] -- COMMAND [ARG...]
#     -t S   the whole command's deadline (default 120): its stuck processes are
#            shown, then everything it started is killed, and the exit status is 124
#     -s S   any process of the command still running after S seconds is shown,
#            once, and left to whoever watches it (Check's per-test timeout)
#     -l L   that timeout, said beside what -s shows ("a test is stopped at L s")
#     -f F   the student's source files: a frame in one of them is "yours"
#     -n N   what to call the command in messages (default: its file name)
#     -v     print gdb's whole backtraces too
#   Otherwise the exit status is the command's own.
#
# Backtraces come from gdb attached to the stuck process; a process that runs
# under Valgrind is asked through Valgrind's gdbserver (vgdb) instead.

total=120 stuck=0 stuck_why='' files='' name='' verbose=0
while [ $# -gt 0 ]; do
	case $1 in
	-t) total=$2; shift 2 ;;
	-s) stuck=$2; shift 2 ;;
	-l) stuck_why=" (a test is stopped at $2 s)"; shift 2 ;;
	-f) files=$2; shift 2 ;;
	-n) name=$2; shift 2 ;;
	-v) verbose=1; shift ;;
	--) shift; break ;;
	*) echo "deadline.sh: unknown option $1" >&2; exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "usage: deadline.sh [-t S] [-s S] [-f FILES] [-n NAME] [-v] -- COMMAND..." >&2; exit 2; }
[ -n "$name" ] || name=${1##*/}

hz=$(getconf CLK_TCK 2>/dev/null || echo 100)

# ---- the process tree ----

# "pid ppid state age_s utime+stime comm" for every process, from /proc.
procs() {
	up=$(cut -d' ' -f1 /proc/uptime)
	cat /proc/[0-9]*/stat 2>/dev/null |
	awk -v up="$up" -v hz="$hz" '
	NF {
		i = index($0, " ("); j = 0
		for (k = length($0); k > 0; k--) if (substr($0, k, 2) == ") ") { j = k; break }
		if (!i || !j) next
		comm = substr($0, i + 2, j - i - 2); gsub(/ /, "_", comm)
		n = split(substr($0, j + 2), f, " ")
		if (n < 20) next
		printf "%s %s %s %.2f %d %s\n", substr($0, 1, i - 1), f[2], f[1],
		       up - f[20] / hz, f[12] + f[13], comm
	}'
}

# The root and its descendants as "pid leaf age comm", leaves first.
tree() {
	procs | awk -v root="$1" '
	{ pid[NR] = $1; ppid[$1] = $2; age[$1] = $4; comm[$1] = $6; if ($3 != "Z") alive[$1] = 1 }
	END {
		for (i = 1; i <= NR; i++) {
			p = pid[i]
			for (q = p; q != "" && q != root && q > 1; q = ppid[q]) ;
			if (q == root && alive[p]) { mine[p] = 1; haskid[ppid[p]] = 1 }
		}
		for (leaf = 1; leaf >= 0; leaf--)
			for (p in mine)
				if ((haskid[p] ? 0 : 1) == leaf)
					print p, leaf, age[p], comm[p]
	}'
}

# ---- one stuck process: is it blocked or running, and where ----

# "tid state cpu" for each thread of $1.
threads() {
	for f in /proc/"$1"/task/[0-9]*/stat; do cat "$f" 2>/dev/null; echo; done |
	awk 'NF { j = 0
		for (k = length($0); k > 0; k--) if (substr($0, k, 2) == ") ") { j = k; break }
		split(substr($0, j + 2), f, " "); print $1, f[1], f[12] + f[13] }'
}

# gdb's backtraces of every thread of $1 (through vgdb under Valgrind).
backtraces() {
	pid=$1 comm=$2
	set -- -batch -nx -iex 'set debuginfod enabled off' -ex 'set pagination off' \
	       -ex 'set print frame-arguments none'
	case $comm in
	valgrind*|*-amd64-*|*-x86-*|*-arm64-*)
		# Valgrind's first argument that is not an option is the program.
		prog=$(tr '\0' '\n' < /proc/"$pid"/cmdline | sed 1d | grep -v -m1 '^-')
		set -- "$@" -ex "target remote | vgdb --pid=$pid" -ex 'thread apply all bt' "$prog" ;;
	*)
		set -- "$@" -p "$pid" -ex 'thread apply all bt' ;;
	esac
	timeout 20 gdb "$@" < /dev/null 2>&1
}

# Reads gdb's output; prints one line per thing threads do, in thread order.
# States come from the file named by `states` ("tid state" lines).
CONDENSE='
function base(p) { sub(/.*\//, "", p); return p }
function api(fn) { sub(/^__GI_/, "", fn); sub(/^_+/, "", fn); sub(/^libc_/, "", fn); return fn }
function flush(   what, t) {
	if (!cur) return
	t = cur
	if (sfn[t] != "" && pfn[t] == "")
		what = "runs in " sfn[t] " (" sloc[t] ")"
	else if (sfn[t] != "")
		what = verb[t] " " api(pfn[t]) ", called from " sfn[t] " (" sloc[t] ")"
	else if (hfn[t] != "" && hpfn[t] != "")
		what = "(harness) " verb[t] " " api(hpfn[t]) ", called from " hfn[t] " (" hloc[t] ")"
	else if (hfn[t] != "")
		what = "(harness) runs in " hfn[t] " (" hloc[t] ")"
	else
		what = verb[t] " " (inner[t] == "??" || inner[t] == "" ? "code without debug symbols" : api(inner[t]))
	desc[t] = what
	cur = ""
}
BEGIN {
	while ((getline l < states) > 0) { split(l, a, " "); st[a[1]] = a[2] }
	n = split(files, fl, " "); for (i = 1; i <= n; i++) mine[fl[i]] = 1
}
/^Thread [0-9]+ / {
	flush()
	cur = $2 + 0; nth++; num[nth] = cur; depth = 0; below = ""
	lwp = ""
	if (match($0, /\(LWP [0-9]+\)/)) lwp = substr($0, RSTART + 5, RLENGTH - 6)
	else if (match($0, /\(Thread [0-9]+ /)) lwp = substr($0, RSTART + 8, RLENGTH - 9)
	s = st[lwp]
	verb[cur] = (s == "R") ? "is in" : "waits in"
	if ($0 ~ /VgTs_Runnable|VgTs_Init/) verb[cur] = "is in"
	next
}
/^#[0-9]+ / && cur {
	line = $0; sub(/^#[0-9]+ +/, "", line)
	if (line ~ /^0x[0-9a-f]+ in /) sub(/^0x[0-9a-f]+ in /, "", line)
	fn = line; sub(/[ (].*/, "", fn)
	loc = ""
	if (match(line, / at [^ ]+:[0-9]+$/)) loc = substr(line, RSTART + 4)
	if (match(fn, /^test_.*_fn$/)) test = substr(fn, 1, length(fn) - 3)
	if (depth++ == 0) inner[cur] = fn
	file = loc; sub(/:[0-9]+$/, "", file)
	if (sfn[cur] == "" && loc != "" && (base(file) in mine)) {
		sfn[cur] = fn; sloc[cur] = base(file) ":" substr(loc, length(file) + 2); pfn[cur] = below
	} else if (sfn[cur] == "" && hfn[cur] == "" && loc != "" && file !~ /^[.\/]/) {
		hfn[cur] = fn; hloc[cur] = base(file) ":" substr(loc, length(file) + 2); hpfn[cur] = below
	}
	below = fn
}
END {
	flush()
	if (test != "") print "test " test
	# gdb lists the newest thread first; main is thread 1.
	for (i = nth; i >= 1; i--) order[nth - i + 1] = num[i]
	for (i = 1; i <= nth && lines < 12; i++) {
		t = order[i]
		if (done[t]) continue
		list = ""; count = 0; prev = -2; run = 0
		for (j = i; j <= nth; j++) {
			u = order[j]
			if (done[u] || desc[u] != desc[t]) continue
			done[u] = 1; count++
			if (u == prev + 1) { run = u } else {
				if (run) list = list "-" run
				list = list (list == "" ? "" : ", ") u; run = 0
			}
			prev = u
		}
		if (run) list = list "-" run
		d = desc[t]
		if (count > 1) {
			sub(/^waits in/, "wait in", d); sub(/^runs in/, "run in", d); sub(/^is in/, "are in", d)
			sub(/^\(harness\) waits in/, "(harness) wait in", d)
			sub(/^\(harness\) runs in/, "(harness) run in", d)
			print "  threads " list " " d
		} else {
			print "  thread " list " " d
		}
		lines++
	}
	if (nth == 0) print "  (no thread could be read)"
}'

# Shows process $1 ($2: its comm, $3: why it is shown) on stderr.
show() {
	pid=$1 comm=$2 why=$3 tmp=$(mktemp)
	threads "$pid" > "$tmp.1"
	sleep 0.2
	threads "$pid" > "$tmp.2"
	running=$(awk 'NR == FNR { cpu0 += $3; st0[$1] = $2; next }
		{ cpu1 += $3; if ($2 == "R" && st0[$1] == "R") r = 1 }
		END { print (r || cpu1 >= cpu0 + 2) ? 1 : 0 }' "$tmp.1" "$tmp.2")
	awk '{ print $1, $2 }' "$tmp.2" > "$tmp.st"
	if ! command -v gdb > /dev/null; then
		echo "  (gdb is not installed, so the threads cannot be shown: make deps installs it)" > "$tmp"
	else
		backtraces "$pid" "$comm" > "$tmp.bt"
		awk -v states="$tmp.st" -v files="$files" "$CONDENSE" "$tmp.bt" > "$tmp"
		if ! grep -q '^  thread' "$tmp"; then
			why_not=$(grep -m1 -i 'ptrace\|could not attach\|not permitted\|vgdb error\|no such process' "$tmp.bt")
			echo "  (the threads' stacks could not be read${why_not:+: $why_not})" >> "$tmp"
		fi
	fi
	test_name=$(sed -n 's/^test //p' "$tmp")
	{
		echo
		printf '%s%s %s. ' "$name" "${test_name:+: $test_name}" "$why"
		if [ "$running" = 1 ]; then
			echo "It looks like an endless loop: threads are running but never finish."
		else
			echo "It looks like a deadlock or a wait that is never signalled: every thread is blocked."
		fi
		grep -v '^test ' "$tmp"
		[ "$verbose" = 1 ] && [ -f "$tmp.bt" ] && sed 's/^/    | /' "$tmp.bt"
	} >&2
	rm -f "$tmp" "$tmp.1" "$tmp.2" "$tmp.st" "$tmp.bt"
}

# ---- the watchdog ----

# Kills the command's whole tree: Check's test children have their own
# process groups, so a group kill would miss them.
kill_tree() {
	pids=$(tree "$1" | cut -d' ' -f1)
	[ -n "$pids" ] && kill -TERM $pids 2>/dev/null
	sleep 1
	pids=$(tree "$1" | cut -d' ' -f1)
	[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
}

# Hundredths of a second since boot, into $now (read, not a process: the
# watchdog looks four times a second).
clock_cs() {
	read -r now _ < /proc/uptime
	now=${now%.*}${now#*.}
}

# Looks four times a second. A process is shown when two looks in a row
# found it childless, the second time older than the limit: a test runner
# is childless only for a moment between two tests. Before it stops the
# command it leaves $fired, so that the command's end is known to be its.
watchdog() {
	cmd=$1 shown=" " seen=" "
	clock_cs
	start=$now
	while [ -e /proc/"$cmd" ]; do
		sleep 0.25
		clock_cs
		if [ $((now - start)) -ge "$total_cs" ]; then
			: > "$fired"
			tree "$cmd" | while read -r pid leaf _age comm; do
				[ "$leaf" = 1 ] || continue
				case $shown in *" $pid "*) continue ;; esac
				show "$pid" "$comm" "did not finish within $total s"
			done
			kill_tree "$cmd"
			echo "$name: stopped after $total s." >&2
			exit 124
		fi
		[ "$stuck" != 0 ] || continue
		was=$seen seen=" "
		for p in $(tree "$cmd" | awk -v s="$stuck" '$2 == 1 && $3 >= s - 0.5 { print $1 "/" $4 "/" ($3 >= s) }'); do
			seen="$seen${p%%/*} "
			case ${p##*/} in 0) continue ;; esac
			p=${p%/*}
			case $was in *" ${p%%/*} "*) ;; *) continue ;; esac
			case $shown in *" ${p%%/*} "*) continue ;; esac
			shown="$shown${p%%/*} "
			show "${p%%/*}" "${p#*/}" "has not finished after $stuck s$stuck_why"
		done
	done
	exit 0
}

total_cs=$(awk -v t="$total" 'BEGIN { printf "%d", t * 100 }')
fired=${TMPDIR:-/tmp}/deadline.$$.fired
rm -f "$fired"
"$@" &
cmd=$!
watchdog "$cmd" &
wd=$!
trap 'kill_tree "$cmd"; kill "$wd" 2>/dev/null; rm -f "$fired"; exit 130' INT TERM
wait "$cmd" 2> /dev/null	# the shell's own "Terminated" says less than we do
rc=$?
# The command ended: the watchdog is stopped now rather than at its next
# look, unless it is the one that ended it.
[ -e "$fired" ] || kill "$wd" 2> /dev/null
wait "$wd" 2> /dev/null
[ -e "$fired" ] && { rm -f "$fired"; exit 124; }
[ "$rc" -gt 128 ] && echo "$name: killed by signal SIG$(kill -l "$rc" 2>/dev/null || echo $((rc - 128)))" >&2
exit "$rc"
