# bench.awk - what `make bench` says about one baseline run and one run of
# the lab's program: each one's time and tasks in flight (when the trace saw
# them), and the speedup.
#   awk -f bench.awk -v seq="NAME ARGS" -v par="NAME ARGS" [-v target=TEXT] SEQ PAR
# SEQ and PAR each hold the BENCH line of one run (common.h, bench_report):
#   BENCH elapsed_ns=<n> cpu_ns=<n> workers=<n> max_inflight=<n> work_done=<n>
# One run of each is a first look: the grader runs them in interleaved pairs
# and takes the median.

function field(line, key,    n, i, kv) {
	n = split(line, kv, /[ =]/)
	for (i = 2; i < n; i += 2)
		if (kv[i] == key)
			return kv[i + 1]
	return ""
}

function describe(name, line, role,    s, inf, done) {
	s = field(line, "elapsed_ns") / 1e9
	inf = field(line, "max_inflight")
	done = field(line, "work_done")
	# work the trace does not see (lab 05's processes)
	if (done == 0)
		printf "  %-22s %8.3f s  (%s)\n", name, s, role
	else
		printf "  %-22s %8.3f s  %3d task%s in flight at most, %d done  (%s)\n",
		       name, s, inf, inf == 1 ? "" : "s", done, role
	return s
}

FNR == 1 { file++ }
/^BENCH / { last[file] = $0 }

END {
	if (last[1] == "" || last[2] == "") {
		print "bench: a program printed no BENCH line, so there is nothing to compare"
		exit 1
	}
	t_seq = describe(seq, last[1], "the baseline: one task after the other")
	t_par = describe(par, last[2], "your code")
	if (t_par > 0)
		printf "  speedup %.2fx (baseline time / your time)", t_seq / t_par
	if (target != "")
		printf "; the grader wants %s", target
	print ""
}
