package ocidir

import (
	"time"

	digest "github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Config is an image config as Docker and BuildKit write it. It is declared
// here rather than borrowed from stagebox so that a misspelt JSON field in
// stagebox fails the tests instead of round-tripping silently.
type Config struct {
	Created      *time.Time      `json:"created,omitempty"`
	Author       string          `json:"author,omitempty"`
	Architecture string          `json:"architecture"`
	OS           string          `json:"os"`
	Config       ContainerConfig `json:"config"`
	RootFS       RootFS          `json:"rootfs"`
	History      []History       `json:"history,omitempty"`
}

// ContainerConfig is the "config" object: OCI's fields plus the three Docker
// keeps there (Healthcheck, OnBuild, Shell).
type ContainerConfig struct {
	ocispec.ImageConfig
	Healthcheck *Healthcheck `json:"Healthcheck,omitempty"`
	OnBuild     []string     `json:"OnBuild,omitempty"`
	Shell       []string     `json:"Shell,omitempty"`
}

// Healthcheck is Docker's HEALTHCHECK record; durations are nanoseconds.
type Healthcheck struct {
	Test          []string      `json:"Test,omitempty"`
	Interval      time.Duration `json:"Interval,omitempty"`
	Timeout       time.Duration `json:"Timeout,omitempty"`
	StartPeriod   time.Duration `json:"StartPeriod,omitempty"`
	StartInterval time.Duration `json:"StartInterval,omitempty"`
	Retries       int           `json:"Retries,omitempty"`
}

// RootFS lists the layers' diff IDs.
type RootFS struct {
	Type    string          `json:"type"`
	DiffIDs []digest.Digest `json:"diff_ids"`
}

// History is one build step.
type History struct {
	Created    *time.Time `json:"created,omitempty"`
	CreatedBy  string     `json:"created_by,omitempty"`
	Author     string     `json:"author,omitempty"`
	Comment    string     `json:"comment,omitempty"`
	EmptyLayer bool       `json:"empty_layer,omitempty"`
}
