package layers

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"
)

// inputsDir holds, beside the cache entries, what each entry's key was
// made of: <graphroot>/stagebox-cache-inputs/<hash of the parent key>/<key>.json,
// a JSON object of input name → digest of its value. The caller (stages)
// decides the inputs and hashes their values; nothing raw is stored, since
// build args and bound files may be secret.
const inputsDir = "stagebox-cache-inputs"

// RecordInputs records the inputs of the cache entry for key, made on the
// step whose key is parent, so that a later step on the same parent that
// misses can say which input differed (bud --explain-cache).
func (s *Store) RecordInputs(parent, key string, inputs map[string]string) error {
	dir := s.inputsDir(parent)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("recording cache inputs: %w", err)
	}
	data, err := json.Marshal(inputs)
	if err != nil {
		return fmt.Errorf("recording cache inputs: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".inputs-")
	if err != nil {
		return fmt.Errorf("recording cache inputs: %w", err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, key+".json"))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("recording cache inputs: %w", err)
	}
	return nil
}

// SiblingInputs returns the recorded inputs of the cache entries that still
// exist and were made on parent, by key.
func (s *Store) SiblingInputs(parent string) map[string]map[string]string {
	dir := s.inputsDir(parent)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	out := map[string]map[string]string{}
	for _, e := range entries {
		key, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || strings.HasPrefix(key, ".") {
			continue
		}
		if _, exists := s.CachedLayer(key); !exists {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		var in map[string]string
		if err == nil && json.Unmarshal(data, &in) == nil {
			out[key] = in
		}
	}
	return out
}

// pruneInputs deletes the recorded inputs of entries that no longer exist.
func (s *Store) pruneInputs() {
	root := filepath.Join(s.store.GraphRoot(), inputsDir)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if key, ok := strings.CutSuffix(d.Name(), ".json"); ok {
			if _, exists := s.CachedLayer(key); !exists {
				os.Remove(p)
				os.Remove(filepath.Dir(p)) // once empty
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		logrus.Debugf("pruning cache inputs: %v", err)
	}
}

func (s *Store) inputsDir(parent string) string {
	h := sha256.Sum256([]byte(parent))
	return filepath.Join(s.store.GraphRoot(), inputsDir, hex.EncodeToString(h[:16]))
}
