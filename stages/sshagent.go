package stages

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/stagebox/stagebox/sandbox"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// attachSSH gives the RUN an ssh agent socket (mode 0600, owner 0:0 unless
// mode=, uid=, gid=) and, for the first ssh mount, SSH_AUTH_SOCK. The socket
// is stagebox's own, made for this step: it forwards to the agent socket
// bud --ssh named, or serves the private keys it named. Being a new socket
// owned as the options say, it is reachable from inside the user namespace
// whoever owns the real agent. An id bud did not get fails a required
// mount and leaves an optional one absent.
func (st *stageState) attachSSH(r *runMounts, m *instructions.Mount) error {
	srcs, ok := st.b.opts.SSH[m.CacheID]
	if !ok {
		if m.Required {
			return fmt.Errorf("ssh %q is required but was not given: pass bud --ssh %s=SOCKET_OR_KEY (or --ssh default for $SSH_AUTH_SOCK)", m.CacheID, m.CacheID)
		}
		return nil
	}
	serve, err := agentServer(srcs)
	if err != nil {
		return fmt.Errorf("ssh %q: %w", m.CacheID, err)
	}
	mode, uid, gid := fileMode(m, 0o600)
	a, err := listenAgent(serve, mode, uid, gid)
	if err != nil {
		return fmt.Errorf("ssh %q: %w", m.CacheID, err)
	}
	if !hasEnv(r.env, "SSH_AUTH_SOCK") {
		r.env = append(r.env, "SSH_AUTH_SOCK="+m.Target)
	}
	r.add(sandbox.Mount{Source: a.path, Destination: m.Target}, a.close)
	return nil
}

// agentServer serves one connection: forwarded to an existing agent
// socket, or answered from a keyring of the given private key files.
func agentServer(srcs []string) (func(net.Conn), error) {
	if len(srcs) == 1 {
		if fi, err := os.Stat(srcs[0]); err == nil && fi.Mode()&os.ModeSocket != 0 {
			sock := srcs[0]
			return func(c net.Conn) { forward(c, sock) }, nil
		}
	}
	keyring := agent.NewKeyring()
	for _, f := range srcs {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w (give an agent socket or unencrypted private key files)", f, err)
		}
		key, err := ssh.ParseRawPrivateKey(data)
		if err != nil {
			return nil, fmt.Errorf("%s is neither an agent socket nor an unencrypted private key: %w", f, err)
		}
		if err := keyring.Add(agent.AddedKey{PrivateKey: key, Comment: filepath.Base(f)}); err != nil {
			return nil, fmt.Errorf("adding %s: %w", f, err)
		}
	}
	return func(c net.Conn) {
		defer c.Close()
		agent.ServeAgent(keyring, c)
	}, nil
}

func forward(c net.Conn, sock string) {
	defer c.Close()
	up, err := net.Dial("unix", sock)
	if err != nil {
		return
	}
	defer up.Close()
	go func() {
		io.Copy(up, c)
		up.(*net.UnixConn).CloseWrite()
	}()
	io.Copy(c, up)
}

// stepAgent is an agent socket serving one step.
type stepAgent struct {
	path string
	ln   net.Listener
	dir  string
	wg   sync.WaitGroup
}

// listenAgent makes the socket in a new directory under the system's
// temporary directory: a socket path must fit in 108 bytes, which a path
// under the store's run root may not.
func listenAgent(serve func(net.Conn), mode uint32, uid, gid int) (*stepAgent, error) {
	dir, err := os.MkdirTemp("", "stagebox-ssh-")
	if err != nil {
		return nil, err
	}
	a := &stepAgent{path: filepath.Join(dir, "agent.sock"), dir: dir}
	if a.ln, err = net.Listen("unix", a.path); err == nil {
		err = ownRoot(a.path, mode, uid, gid)
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("making the agent socket: %w", err)
	}
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		for {
			c, err := a.ln.Accept()
			if err != nil {
				return // closed when the step ends
			}
			go serve(c)
		}
	}()
	return a, nil
}

func (a *stepAgent) close() {
	a.ln.Close()
	a.wg.Wait()
	os.RemoveAll(a.dir)
}

func hasEnv(env []string, name string) bool {
	_, ok := lookupEnv(env, name)
	return ok
}
