package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

// The controller manager and the scheduler run as child processes of this
// same binary (`mesitis-test-cluster kube-controller-manager ...`). In one
// process they would collide with the apiserver on process-wide state: each
// command installs the one SIGTERM handler client-go allows (a second call
// panics) and applies the global logging and feature-gate configuration.
type command interface {
	SetArgs([]string)
	Execute() error
}

var components = map[string]func() command{
	"kube-controller-manager": func() command { return controllermanager.NewControllerManagerCommand() },
	"kube-scheduler":          func() command { return scheduler.NewSchedulerCommand() },
}

// runComponentIfRequested runs a component instead of the cluster when the
// first argument names one, and exits with its result.
func runComponentIfRequested() {
	if len(os.Args) < 2 {
		return
	}
	newCommand, ok := components[os.Args[1]]
	if !ok {
		return
	}
	// The parent holds our stdin open for as long as it lives.
	go terminateOnStdinEOF()
	cmd := newCommand()
	cmd.SetArgs(os.Args[2:])
	if err := cmd.Execute(); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	os.Exit(0)
}

// controllerManagerArgs runs every controller enabled by default (among them
// deployment, replicaset, garbage collector, namespace, endpointslice,
// serviceaccount and serviceaccount-token), without leader election or a
// serving port, except
// root-ca-cert-publisher: it would put a kube-root-ca.crt ConfigMap in every
// namespace, and the tests take a fresh namespace to hold only what they
// create. Nothing here needs it: kwok mounts no volumes, so the Pods'
// projected token volumes are never read.
//
// The node lifecycle controller stays (it removes the not-ready taint the
// apiserver puts on a new Node once kwok reports it Ready), but waits an
// hour, not 50 s, before it calls a Node whose Lease is late NotReady and
// taints it: a simulated Node cannot fail apart from this process, which
// plays it, and on a loaded two-core machine a late renewal would stall
// every rollout that follows.
//
// The client rate limit is raised from 20 requests a second: the suites
// create and delete hundreds of namespaces, and the namespace controller's
// deletions would otherwise queue a Deployment's ReplicaSet and Pods behind
// them for seconds.
func controllerManagerArgs(kubeconfig, dir string) []string {
	pki := filepath.Join(dir, "pki")
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--controllers=*,-root-ca-cert-publisher",
		"--node-monitor-grace-period=1h",
		"--service-account-private-key-file=" + filepath.Join(pki, serviceAccountKeyName),
		"--root-ca-file=" + filepath.Join(pki, caCertName),
		"--cluster-name=mesitis-test",
		"--kube-api-qps=500",
		"--kube-api-burst=1000",
		"--v=0",
	}
}

func schedulerArgs(kubeconfig string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--secure-port=0",
		"--v=0",
	}
}

// child is a component process; exited is closed once it has been reaped.
type child struct {
	name   string
	cmd    *exec.Cmd
	stdin  *os.File // our end of its stdin pipe; closing it stops the child
	exited chan struct{}
	err    error
}

// startComponent starts `<self> name args...` with its output in
// DIR/<name>.log.
func startComponent(dir, name string, args []string) (*child, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	logFile, err := os.OpenFile(filepath.Join(dir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	stdinRead, stdinWrite, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	defer stdinRead.Close()

	cmd := exec.Command(self, append([]string{name}, args...)...)
	cmd.Stdin = stdinRead
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	// Its own process group, so a Ctrl-C in a terminal reaches only us and
	// we stop the components in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		stdinWrite.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, stdin: stdinWrite, exited: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.exited)
	}()
	return c, nil
}

// stop sends SIGTERM and waits up to grace before killing.
func (c *child) stop(grace time.Duration) {
	select {
	case <-c.exited:
		return
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(grace):
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
	c.stdin.Close()
}

// exitedEarly describes a child that has already exited, with the end of
// its log, or returns nil while it runs.
func (c *child) exitedEarly(dir string) error {
	select {
	case <-c.exited:
	default:
		return nil
	}
	tail := ""
	if b, err := os.ReadFile(filepath.Join(dir, c.name+".log")); err == nil {
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) > 15 {
			lines = lines[len(lines)-15:]
		}
		tail = "\n" + strings.Join(lines, "\n")
	}
	return fmt.Errorf("%s exited (%v); end of %s.log:%s", c.name, c.err, c.name, tail)
}

// watchChildren returns an error as soon as any child exits before ctx ends.
func watchChildren(ctx context.Context, dir string, children []*child) <-chan error {
	failed := make(chan error, 1)
	for _, c := range children {
		go func() {
			select {
			case <-c.exited:
				if ctx.Err() == nil {
					failed <- c.exitedEarly(dir)
				}
			case <-ctx.Done():
			}
		}()
	}
	return failed
}
