package stages

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/stagebox/stagebox/layers"
)

// metadata applies an instruction that changes only the image config.
func (st *stageState) metadata(cmd instructions.Command) error {
	c := &st.cfg.Config
	switch x := cmd.(type) {
	case *instructions.EnvCommand:
		for _, kv := range x.Env {
			c.Env = setEnv(c.Env, kv.Key, kv.Value)
		}
	case *instructions.LabelCommand:
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		for _, kv := range x.Labels {
			c.Labels[kv.Key] = kv.Value
		}
	case *instructions.MaintainerCommand:
		st.cfg.Author = x.Maintainer
	case *instructions.ExposeCommand:
		return st.expose(x)
	case *instructions.VolumeCommand:
		if c.Volumes == nil {
			c.Volumes = map[string]struct{}{}
		}
		for _, v := range x.Volumes {
			if v == "" {
				return fmt.Errorf("VOLUME specified can not be an empty string")
			}
			c.Volumes[v] = struct{}{}
		}
	case *instructions.UserCommand:
		c.User = x.User
	case *instructions.CmdCommand:
		c.Cmd = st.shellArgs(x.ShellDependantCmdLine)
		st.cmdSet = true
	case *instructions.EntrypointCommand:
		c.Entrypoint = st.shellArgs(x.ShellDependantCmdLine)
		if !st.cmdSet {
			c.Cmd = nil
		}
	case *instructions.ShellCommand:
		c.Shell = append([]string(nil), x.Shell...)
	case *instructions.StopSignalCommand:
		c.StopSignal = x.Signal
	case *instructions.HealthCheckCommand:
		h := x.Health
		c.Healthcheck = &layers.HealthConfig{Test: h.Test, Interval: h.Interval, Timeout: h.Timeout,
			StartPeriod: h.StartPeriod, StartInterval: h.StartInterval, Retries: h.Retries}
	case *instructions.OnbuildCommand:
		c.OnBuild = append(c.OnBuild, x.Expression)
	default:
		return fmt.Errorf("instruction %s is not supported", strings.ToUpper(cmd.Name()))
	}
	return nil
}

// setEnv replaces or appends KEY=value, keeping the order Docker keeps.
func setEnv(env []string, key, value string) []string {
	for i, e := range env {
		if strings.HasPrefix(e, key+"=") || e == key {
			env[i] = key + "=" + value
			return env
		}
	}
	return append(env, key+"="+value)
}

// lookupEnv finds KEY in a KEY=value list.
func lookupEnv(env []string, key string) (string, bool) {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, key+"="); ok {
			return v, true
		}
	}
	return "", false
}

func (st *stageState) expose(x *instructions.ExposeCommand) error {
	if st.cfg.Config.ExposedPorts == nil {
		st.cfg.Config.ExposedPorts = map[string]struct{}{}
	}
	for _, word := range x.Ports {
		words, err := st.lex.ProcessWords(word, st.args.env(st.cfg.Config.Env))
		if err != nil {
			return err
		}
		for _, w := range words {
			ports, err := parsePort(w)
			if err != nil {
				return err
			}
			for _, p := range ports {
				st.cfg.Config.ExposedPorts[p] = struct{}{}
			}
		}
	}
	return nil
}

// parsePort turns `80`, `53/udp`, `8000-8002/tcp` or `[ip:]host:port/proto`
// into "port/proto" keys as Docker stores them.
func parsePort(spec string) ([]string, error) {
	proto := "tcp"
	if p, pr, ok := strings.Cut(spec, "/"); ok {
		spec, proto = p, strings.ToLower(pr)
	}
	switch proto {
	case "tcp", "udp", "sctp":
	default:
		return nil, fmt.Errorf("invalid port protocol %q: use tcp, udp or sctp", proto)
	}
	if i := strings.LastIndex(spec, ":"); i >= 0 {
		spec = spec[i+1:]
	}
	lo, hi, isRange := strings.Cut(spec, "-")
	start, err := strconv.ParseUint(lo, 10, 16)
	if err != nil || start == 0 {
		return nil, fmt.Errorf("invalid port %q: want a number from 1 to 65535", spec)
	}
	end := start
	if isRange {
		if end, err = strconv.ParseUint(hi, 10, 16); err != nil || end < start {
			return nil, fmt.Errorf("invalid port range %q", spec)
		}
	}
	var out []string
	for p := start; p <= end; p++ {
		out = append(out, fmt.Sprintf("%d/%s", p, proto))
	}
	return out, nil
}
