package unpack

import "slices"

// freshFold is how many new entries wait in a map before they are folded
// into the sorted slice.
const freshFold = 4096

// freshSet holds the entries this process hashed: a sorted slice, as the
// loaded index is, and a small map of the latest ones. A map of every
// file of a 100,000-file context took about 30 MB of heap; the slice
// takes 7 MB, and folding 4,096 entries in costs one pass over it.
type freshSet struct {
	sorted []statRec
	tail   map[fileID]statEntry
}

func (f *freshSet) get(id fileID) (statEntry, bool) {
	if e, ok := f.tail[id]; ok {
		return e, true
	}
	if i, ok := findRec(f.sorted, id); ok {
		return f.sorted[i].statEntry, true
	}
	return statEntry{}, false
}

func (f *freshSet) put(id fileID, e statEntry) {
	if i, ok := findRec(f.sorted, id); ok {
		f.sorted[i].statEntry = e
		return
	}
	if f.tail == nil {
		f.tail = map[fileID]statEntry{}
	}
	f.tail[id] = e
	if len(f.tail) >= freshFold {
		f.fold()
	}
}

func (f *freshSet) len() int { return len(f.sorted) + len(f.tail) }

// all returns every entry, sorted by file.
func (f *freshSet) all() []statRec {
	f.fold()
	return f.sorted
}

func (f *freshSet) fold() {
	if len(f.tail) == 0 {
		return
	}
	recs := make([]statRec, 0, len(f.tail))
	for id, e := range f.tail {
		recs = append(recs, statRec{id: id, statEntry: e})
	}
	slices.SortFunc(recs, cmpRec)
	f.sorted = mergeInto(f.sorted, recs)
	clear(f.tail)
}

// mergeInto merges src into dst, both sorted by file, an entry of src
// replacing dst's for the same file. It works in place from the end, so
// dst grows by the new files only and nothing else is allocated.
func mergeInto(dst, src []statRec) []statRec {
	if len(dst) == 0 {
		return src // the first save: no second copy of every entry
	}
	added := 0
	isNew := make([]bool, len(src))
	for j, r := range src {
		if i, ok := findRec(dst, r.id); ok {
			dst[i].statEntry = r.statEntry
		} else {
			isNew[j] = true
			added++
		}
	}
	i, k := len(dst)-1, len(dst)+added-1
	dst = slices.Grow(dst, added)[:len(dst)+added]
	for j := len(src) - 1; j >= 0; j-- {
		if !isNew[j] {
			continue
		}
		for i >= 0 && cmpRec(dst[i], src[j]) > 0 {
			dst[k] = dst[i]
			i, k = i-1, k-1
		}
		dst[k] = src[j]
		k--
	}
	return dst
}
