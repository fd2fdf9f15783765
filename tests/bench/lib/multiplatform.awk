# multiplatform.awk: multiplatform.sh's table (awk -f median.awk -f this):
# the median of each case and the ratios of the other two to one
# several-platform bud.
$4 != "fail" { t[$1] = t[$1] " " $4 }
END {
	n = split("stagebox-2platforms stagebox-twice buildkit-twice", order, " ")
	for (i = 1; i <= n; i++) {
		m[order[i]] = median(t[order[i]])
		printf "%-20s %8s s\n", order[i], m[order[i]]
	}
	if (m["stagebox-2platforms"] > 0) {
		printf "ratio stagebox-twice / stagebox-2platforms: %.2f\n", m["stagebox-twice"] / m["stagebox-2platforms"]
		printf "ratio buildkit-twice / stagebox-2platforms: %.2f\n", m["buildkit-twice"] / m["stagebox-2platforms"]
	}
}
