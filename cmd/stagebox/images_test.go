package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	digest "github.com/opencontainers/go-digest"
	"github.com/stagebox/stagebox/layers"
)

var (
	tableNow  = time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	tableID   = strings.Repeat("ab", 32)
	tableImgs = []layers.Image{
		{ID: tableID, Names: []string{"localhost/app:1", "quay.io/x/app:latest"}, Digest: digest.Digest("sha256:" + strings.Repeat("ef", 32)), Created: tableNow.Add(-2 * time.Hour), Size: 5_120_000},
		{ID: strings.Repeat("cd", 32), Size: -1},
	}
)

func formatImages(t *testing.T, format string, digests bool, f imageFilters) string {
	t.Helper()
	var buf bytes.Buffer
	if err := writeRows(&buf, imageFormat(format, digests), f.rows(tableImgs, tableNow, false), true); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestImageTableHasARowPerNameAndNoneForUnnamed(t *testing.T) {
	out := formatImages(t, "", false, imageFilters{})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 4 {
		t.Fatalf("table has %d lines, want heading + 3 rows:\n%s", len(lines), out)
	}
	want := [][]string{
		{"REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"},
		{"localhost/app", "1", tableID[:12], "2", "hours", "ago", "5.12MB"},
		{"quay.io/x/app", "latest", tableID[:12], "2", "hours", "ago", "5.12MB"},
		{"<none>", "<none>", strings.Repeat("cd", 6), "unknown", "unknown"},
	}
	for i, w := range want {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("line %d = %q, want fields %q", i, lines[i], w)
		}
	}
}

func TestImageFormatsAsDockerWritesThem(t *testing.T) {
	dgst := "sha256:" + strings.Repeat("ef", 32)
	for _, c := range []struct {
		name, format string
		digests      bool
		filters      []string
		want         string
	}{
		{"template", "{{.ID}} {{.Repository}}:{{.Tag}}", false, nil,
			tableID[:12] + " localhost/app:1\n" + tableID[:12] + " quay.io/x/app:latest\n" + "cdcdcdcdcdcd <none>:<none>\n"},
		{"table template", `table {{.Repository}}\t{{.Size}}`, false, []string{"reference=app"},
			"REPOSITORY      SIZE\nlocalhost/app   5.12MB\n"},
		{"digests", "", true, []string{"dangling=false", "reference=quay.io/x/*:latest"},
			"REPOSITORY      TAG      DIGEST                                                                    IMAGE ID       CREATED       SIZE\n" +
				"quay.io/x/app   latest   " + dgst + "   " + tableID[:12] + "   2 hours ago   5.12MB\n"},
		{"dangling", "{{.ID}}", false, []string{"dangling=true"}, "cdcdcdcdcdcd\n"},
		{"wildcard tag", "{{.Repository}}:{{.Tag}}", false, []string{"reference=*:1"}, "localhost/app:1\n"},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := parseImageFilters(c.filters)
			if err != nil {
				t.Fatal(err)
			}
			if got := formatImages(t, c.format, c.digests, f); got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

func TestImageFiltersRefuseWhatTheyDoNotKnow(t *testing.T) {
	for _, bad := range []string{"label=a", "dangling=maybe", "reference", "reference=[", "before=x"} {
		if _, err := parseImageFilters([]string{bad}); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("--filter %s: error %v, want one naming it", bad, err)
		}
	}
}
