# bench.awk - what make bench says about one speedup check's pairs
# (bench.sh): the median of the pairwise ratios with their min-max, the
# control's speedup and the share of it where the check has a control, the
# target, and how many pairs reached it. The figures the grader's report
# gives (grader/check_speedup.c), without its verdict.
#   awk -f bench.awk -v bound=sleep|cpu|flat -v base=CMD -v cand=CMD
#       [-v ctl_base=CMD -v ctl_cand=CMD] -v target=X -v min_inflight=N
#       -v min_control=X -v cpus=X -v pairs_max=N -v spread_ok=X PAIRS
# A line of PAIRS is one trial, each run as "elapsed_ns max_inflight
# work_done": the baseline, the candidate, then the control's two runs.

function sort(v, n,    i, j, t) {
	for (i = 1; i <= n; i++)
		for (j = i + 1; j <= n; j++)
			if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
}

# Median of v[1..n]; lo and hi get the least and the greatest.
function median(v, n,    s, i) {
	for (i = 1; i <= n; i++)
		s[i] = v[i]
	sort(s, n)
	lo = s[1]; hi = s[n]
	return n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
}

function program(cmd, seconds, what, inflight, done) {
	printf "  %-26s %7.3f s  ", cmd, seconds
	# work the trace does not see (processes) counts 0
	if (done > 0)
		printf "%d task%s in flight at most, %d done  ", inflight, inflight == 1 ? "" : "s", done
	print "(" what ")"
}

# "5 of 5 pairs reached 6x", counting the values v[i] on the right side.
function reached(v, n, at_most, label,    i, k) {
	for (i = 1; i <= n; i++)
		k += at_most ? v[i] <= target : v[i] >= target
	return sprintf("%d of %d pairs %s %s", k, n, at_most ? "within" : "reached", label)
}

{
	n++
	bs[n] = $1 / 1e9; cs[n] = $4 / 1e9
	b_in[n] = $2; b_done[n] = $3; c_in[n] = $5; c_done[n] = $6
	ratio[n] = cs[n] > 0 ? bs[n] / cs[n] : 0
	if (NF >= 12) {
		ks[n] = $7 / 1e9; kp[n] = $10 / 1e9
		control[n] = kp[n] > 0 ? ks[n] / kp[n] : 0
	}
}

function sleep_or_cpu(   med, ctl, rel, i, share) {
	program(base, median(bs, n), "the baseline: the harness's own loop", median(b_in, n), b_done[1])
	program(cand, median(cs, n), "your code", median(c_in, n), c_done[1])
	if (bound == "cpu") {
		program(ctl_base, median(ks, n), "the control's baseline")
		program(ctl_cand, median(kp, n), "the control: the harness's own perfectly parallel code")
	}
	med = median(ratio, n)
	printf "  speedup %.2fx, the median of %d interleaved pairs (min-max %.2f-%.2f)", med, n, lo, hi
	if (bound != "cpu") {
		printf "; the target: at least %gx", target
		if (min_inflight > 1)
			printf ", with at least %d tasks in flight (here %d)", min_inflight, median(c_in, n)
		print ""
		print "  " reached(ratio, n, 0, target "x") "."
		return
	}
	print ""
	ctl = median(control, n)
	printf "  the control's speedup %.2fx (min-max %.2f-%.2f) on %g CPUs: what the machine gives now\n",
	       ctl, lo, hi, cpus
	for (i = 1; i <= n; i++)
		rel[i] = control[i] > 0 ? ratio[i] / control[i] : 0
	share = median(rel, n)
	printf "  your share of the control's speedup %.2f (each pair's against its own control; min-max %.2f-%.2f); the target: %g\n",
	       share, lo, hi, target
	if (cpus < 1.5)
		printf "  Only %g CPU here: no parallel speedup can show, so the machine cannot tell.\n", cpus
	else if (ctl < min_control)
		printf "  The control reached only %.2fx, below the %gx the grader needs to judge by: the machine is too busy to tell now; run make bench again when it is quieter.\n",
		       ctl, min_control
	else
		print "  " reached(rel, n, 0, target) "."
}

function flat(   growth, i, med, ctl, cgrowth) {
	program(base, median(bs, n), "the small case")
	program(cand, median(cs, n), "the large case")
	for (i = 1; i <= n; i++)
		growth[i] = ratio[i] > 0 ? 1 / ratio[i] : 1e9
	med = median(growth, n)
	printf "  growth %.2fx (the large case's time / the small case's), the median of %d interleaved pairs (min-max %.2f-%.2f); the target: at most %gx\n",
	       med, n, lo, hi, target
	printf "  %s.", reached(growth, n, 1, target "x")
	if (ctl_base != "") {
		for (i = 1; i <= n; i++)
			cgrowth[i] = control[i] > 0 ? 1 / control[i] : 0
		printf " The control, %s against %s, grew %.2fx", ctl_cand, ctl_base, median(cgrowth, n)
		printf " (min-max %.2f-%.2f).", lo, hi
	}
	print ""
}

END {
	if (n == 0)
		exit 1
	if (bound == "flat")
		flat()
	else
		sleep_or_cpu()
	med = median(ratio, n)
	if (n >= pairs_max && hi - lo > spread_ok * med)
		printf "  The pairs still disagree after %d (min-max more than %d%% of the median apart): the machine is busy, so these figures are rough.\n",
		       n, spread_ok * 100
}
