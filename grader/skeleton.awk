# skeleton.awk - makes a student skeleton from a reference solution (the
# single source), for every lab:
#   awk -f grader/skeleton.awk solutions/NN-topic/F.c > labs/NN-topic/F.c
#
# Markers, each alone on its line, with any indentation:
#   // BEGIN SOLUTION ... // END SOLUTION  dropped, both marker lines included
#   //@ text                               becomes "text", indentation kept
#   //@                                    becomes "//", indentation kept
# Every other line is copied. An unbalanced or nested marker, or a "//@"
# followed by anything but a space, is an error (exit 1, nothing trusted).
# With -v view=solution it prints the reference instead, markers and "//@"
# lines dropped: what a student who solved the lab would hand in.

function fail(msg) {
	printf("%s:%d: %s\n", FILENAME, FNR, msg) > "/dev/stderr"
	failed = 1
	exit 1
}

# Leading blanks of the current line.
function indent() {
	match($0, /^[ \t]*/)
	return substr($0, 1, RLENGTH)
}

/^[ \t]*\/\/ BEGIN SOLUTION[ \t]*$/ {
	if (in_solution)
		fail("BEGIN SOLUTION inside another (line " begin_line ")")
	in_solution = 1
	begin_line = FNR
	next
}

/^[ \t]*\/\/ END SOLUTION[ \t]*$/ {
	if (!in_solution)
		fail("END SOLUTION without a BEGIN SOLUTION")
	in_solution = 0
	next
}

in_solution && view != "solution" { next }

# The solution view (-v view=solution): the reference as a student would
# have written it, markers and skeleton lines gone. Hostile submissions are
# patches against it.
/^[ \t]*\/\/@/ && view == "solution" { next }

/^[ \t]*\/\/@ / {
	pre = indent()
	print pre substr($0, length(pre) + 5)
	next
}

/^[ \t]*\/\/@[ \t]*$/ {
	print indent() "//"
	next
}

/^[ \t]*\/\/@/ { fail("\"//@\" must be followed by a space or end the line") }

{ print }

END {
	if (failed)
		exit 1
	if (in_solution)
		fail("BEGIN SOLUTION (line " begin_line ") is never ended")
}
