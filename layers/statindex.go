package layers

import "path/filepath"

// statIndexFile is where the store keeps the content digests of build
// context files by stat (unpack.StatIndex), beside the layers they key.
const statIndexFile = "stagebox-statindex"

// StatIndexPath is the file of the store's stat index of file digests.
func (s *Store) StatIndexPath() string {
	return filepath.Join(s.store.GraphRoot(), statIndexFile)
}
