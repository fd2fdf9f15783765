# table.awk: the result table of compare.sh. Input: rows of tool, workload,
# case, seconds|fail, peak RSS KiB. -v tools="t1 t2 ...": the tools that ran.
{
	row = $2 " " $3
	if (!(row in seen)) { seen[row] = 1; rows[++nrows] = row }
	if ($1 == "host") hashost = 1
	if ($4 == "fail") { failed[$1, row] = 1; next }
	times[$1, row] = times[$1, row] " " $4
	if ($5 + 0 > rss[$1, row] + 0) rss[$1, row] = $5
}
END {
	nt = split(tools, t, " ")
	if (hashost) t[++nt] = "host"
	npairs = split("stagebox/buildkit stagebox-rootless/buildkitd stagebox-rootless/buildah stagebox/host stagebox-rootless/host stagebox/skopeo", pairs, " ")
	for (p = 1; p <= npairs; p++) {
		split(pairs[p], ab, "/")
		if (index(" " tools " host ", " " ab[1] " ") && index(" " tools " " (hashost ? "host " : ""), " " ab[2] " "))
			shown[++nshown] = pairs[p]
	}
	printf "%-20s", "workload"
	for (i = 1; i <= nt; i++) printf " %18s", t[i]
	for (p = 1; p <= nshown; p++) printf " %26s", shown[p]
	printf "\n"
	for (r = 1; r <= nrows; r++) {
		printf "%-20s", rows[r]
		for (i = 1; i <= nt; i++) {
			m[i] = median(times[t[i], rows[r]])
			cell = m[i] == "" ? (failed[t[i], rows[r]] ? "fail" : "-") : sprintf("%.2f", m[i])
			printf " %18s", cell
		}
		for (p = 1; p <= nshown; p++) {
			split(shown[p], ab, "/")
			a = median(times[ab[1], rows[r]]); b = median(times[ab[2], rows[r]])
			printf " %26s", (a == "" || b == "" || b == 0) ? "-" : sprintf("%.2fx", a / b)
		}
		printf "\n"
	}
	printf "\nPeak RSS, MiB (largest over the runs)\n%-20s", "workload"
	for (i = 1; i <= nt; i++) printf " %18s", t[i]
	printf "\n"
	for (r = 1; r <= nrows; r++) {
		printf "%-20s", rows[r]
		for (i = 1; i <= nt; i++) {
			v = rss[t[i], rows[r]]
			printf " %18s", v == "" ? "-" : sprintf("%d", v / 1024)
		}
		printf "\n"
	}
}
