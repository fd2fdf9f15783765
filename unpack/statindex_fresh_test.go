package unpack

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// mergeInto and the folds of freshSet must give what a map gives: every
// file once, the latest entry winning, sorted.
func TestFreshSetAgreesWithAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var f freshSet
	want := map[fileID]statEntry{}
	for i := 0; i < 3*freshFold+17; i++ {
		id := fileID{dev: r.Uint64N(3), ino: r.Uint64N(5000)}
		e := statEntry{size: int64(i)}
		f.put(id, e)
		want[id] = e
		if i%997 == 0 {
			if got, ok := f.get(id); !ok || got != e {
				t.Fatalf("get after put %d: %v %v", i, got, ok)
			}
		}
	}
	all := f.all()
	if len(all) != len(want) || !slices.IsSortedFunc(all, cmpRec) {
		t.Fatalf("%d entries (sorted: %t), want %d", len(all), slices.IsSortedFunc(all, cmpRec), len(want))
	}
	for _, rec := range all {
		if want[rec.id] != rec.statEntry {
			t.Fatalf("entry %v is %v, want %v", rec.id, rec.statEntry, want[rec.id])
		}
	}
	known := []statRec{{id: fileID{0, 1}}, {id: fileID{9, 9}, statEntry: statEntry{size: -1}}}
	merged := mergeInto(known, all)
	if i, ok := findRec(merged, fileID{9, 9}); !ok || merged[i].size != -1 || !slices.IsSortedFunc(merged, cmpRec) {
		t.Errorf("merging into a loaded index lost or misplaced its own entries")
	}
}
