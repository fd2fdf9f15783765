package layers

import (
	"bytes"
	"encoding/json"

	"github.com/sirupsen/logrus"
)

// ReuseDates makes Commit date the config as an image already in the store
// that has the same top layer and the same config but for its dates: a
// fully cached rebuild then gives the same image ID, as docker and buildah
// do, instead of a new image that differs only in `created`. Builds whose
// dates are fixed (--timestamp, SOURCE_DATE_EPOCH) do not ask for it.
func ReuseDates() CommitOption { return func(c *commitConfig) { c.reuseDates = true } }

// adoptDates returns cfg (its RootFS filled in) dated as the newest image
// whose config equals cfg but for its dates, or cfg unchanged when none does.
// With an index (a cache-only build) it reads the config only of images
// whose top layer has cfg's last diff ID: no other config can equal cfg.
func (s *Store) adoptDates(cfg ImageSpec, x *LayerIndex) ImageSpec {
	want, err := undated(cfg)
	if err != nil {
		return cfg
	}
	imgs, err := s.store.Images()
	if err != nil {
		logrus.Debugf("listing images to reuse dates: %v", err)
		return cfg
	}
	var found *ImageSpec
	for i := range imgs {
		if !x.mayHold(imgs[i].TopLayer, cfg.RootFS.DiffIDs) {
			continue
		}
		stored, _, err := s.config(&imgs[i])
		if err != nil || len(stored.History) != len(cfg.History) {
			continue
		}
		if got, err := undated(stored); err != nil || !bytes.Equal(got, want) {
			continue
		}
		if found == nil || stored.Created != nil && found.Created != nil && stored.Created.After(*found.Created) {
			found = &stored
		}
	}
	if found == nil {
		return cfg
	}
	cfg.Created = found.Created
	cfg.History = append(cfg.History[:0:0], cfg.History...)
	for i := range cfg.History {
		cfg.History[i].Created = found.History[i].Created
	}
	return cfg
}

// undated is cfg's JSON without what a rebuild changes by itself: the dates.
func undated(cfg ImageSpec) ([]byte, error) {
	cfg.Created = nil
	cfg.History = append(cfg.History[:0:0], cfg.History...)
	for i := range cfg.History {
		cfg.History[i].Created = nil
	}
	fillPlatform(&cfg)
	return json.Marshal(cfg)
}
