package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stagebox/stagebox/layers"
)

func TestImageTableHasARowPerNameAndNoneForUnnamed(t *testing.T) {
	now := time.Date(2026, 1, 2, 15, 0, 0, 0, time.UTC)
	id := strings.Repeat("ab", 32)
	imgs := []layers.Image{
		{ID: id, Names: []string{"localhost/app:1", "quay.io/x/app:latest"}, Created: now.Add(-2 * time.Hour), Size: 5_120_000},
		{ID: strings.Repeat("cd", 32), Size: -1},
	}
	var buf bytes.Buffer
	if err := writeImageTable(&buf, imgs, now, true, false); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("table has %d lines, want heading + 3 rows:\n%s", len(lines), buf.String())
	}
	want := [][]string{
		{"REPOSITORY", "TAG", "IMAGE", "ID", "CREATED", "SIZE"},
		{"localhost/app", "1", id[:12], "2", "hours", "ago", "5.12MB"},
		{"quay.io/x/app", "latest", id[:12], "2", "hours", "ago", "5.12MB"},
		{"<none>", "<none>", strings.Repeat("cd", 6), "unknown", "unknown"},
	}
	for i, w := range want {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("line %d = %q, want fields %q", i, lines[i], w)
		}
	}
}
