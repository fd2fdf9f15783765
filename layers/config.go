package layers

import (
	"time"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// HealthConfig is Docker's HEALTHCHECK record. The OCI image spec has no
// field for it, so it rides in the config the way BuildKit writes it.
type HealthConfig struct {
	Test          []string      `json:",omitempty"`
	Interval      time.Duration `json:",omitempty"`
	Timeout       time.Duration `json:",omitempty"`
	StartPeriod   time.Duration `json:",omitempty"`
	StartInterval time.Duration `json:",omitempty"`
	Retries       int           `json:",omitempty"`
}

// Config is the OCI image config plus the Docker-only fields that must
// survive a round trip (HEALTHCHECK, ONBUILD, SHELL), as BuildKit keeps them
// even in OCI format.
type Config struct {
	ocispec.ImageConfig
	Healthcheck *HealthConfig `json:"Healthcheck,omitempty"`
	OnBuild     []string      `json:"OnBuild,omitempty"`
	Shell       []string      `json:"Shell,omitempty"`
}

// ImageSpec is an image configuration as stagebox reads and writes it. The
// outer Config field shadows the embedded ocispec.Image's one in JSON, so the
// extra fields are encoded under "config" next to the standard ones.
type ImageSpec struct {
	ocispec.Image
	Config Config `json:"config,omitempty"`
}
