# lockeddown.awk: the table of lockeddown.sh. Inputs: the tiers file
# (configuration, tier stagebox picked), then the results (configuration,
# tool, workload, seconds|fail). -v workloads="w1 w2 ...". Prints medians as
# a markdown table, plus the cost per syscall ((rw - true) / 200,000) and
# per exec ((exec - true) / 1,000) where those workloads ran.
FNR == NR { tier[$1] = $2; next }
{
	key = $1 SUBSEP $2
	if (!(key in seen)) { seen[key] = 1; rows[++nrows] = key }
	if ($4 == "fail") failed[key, $3] = 1
	else times[key, $3] = times[key, $3] " " $4
}
END {
	nw = split(workloads, w, " ")
	printf "| configuration | tool (tier) |"
	for (i = 1; i <= nw; i++) printf " %s |", w[i]
	printf " µs/syscall | ms/exec |\n|---|---|"
	for (i = 1; i <= nw; i++) printf "---|"
	printf "---|---|\n"
	for (r = 1; r <= nrows; r++) {
		split(rows[r], k, SUBSEP)
		label = k[2] == "stagebox" ? "stagebox (" tier[k[1]] ")" : k[2] " (chroot)"
		printf "| %s | %s |", k[1], label
		for (i = 1; i <= nw; i++) {
			m[w[i]] = median(times[rows[r], w[i]])
			printf " %s |", m[w[i]] != "" ? sprintf("%.2f", m[w[i]]) : (failed[rows[r], w[i]] ? "fails" : "-")
		}
		printf " %s | %s |\n", per(m["rw"], m["true"], 200000, 1e6), per(m["exec"], m["true"], 1000, 1e3)
	}
}
# per: (t - base) / count in units (1e6: µs), or "-" without both times.
function per(t, base, count, unit) {
	if (t == "" || base == "") return "-"
	return sprintf("%.1f", (t - base) / count * unit)
}
