// Command mesitis-test-cluster runs a small Kubernetes cluster without
// containers for Mesitis's tests: kube-apiserver with an embedded etcd and
// kwok's simulated kubelet in this process, and kube-controller-manager and
// kube-scheduler as child processes of this same binary.
//
// It owns the directory given by --dir: etcd data, generated certificates and
// keys, the token file, the logs and the three kubeconfigs all live there, and
// nothing outside it is written. Once the apiserver answers /readyz, the
// simulated Nodes are Ready and the controllers have created the 'default'
// ServiceAccount, it prints exactly one line to stdout:
//
//	READY {"server":"https://127.0.0.1:PORT","dir":"DIR"}
//
// It shuts down on SIGTERM/SIGINT and when its stdin reaches EOF, so a test
// runner that crashes (and thereby closes the pipe) does not leak it; the
// components it started see their own stdin close and stop too.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	// The blank imports of k8s.io/kubernetes/cmd/kube-apiserver/apiserver.go,
	// which registers things the apiserver expects to find at run time.
	_ "time/tzdata" // for timeZone support in CronJob

	_ "k8s.io/component-base/logs/json/register"          // for JSON log format registration
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // load all the prometheus client-go plugins
	_ "k8s.io/component-base/metrics/prometheus/version"  // for version metric registration
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

const (
	// How long etcd plus the apiserver may take to become ready. The caller
	// has its own (longer) timeout; this one only makes us fail loudly rather
	// than hang if something is wedged.
	startupTimeout = 100 * time.Second
	// How long a graceful shutdown may take before we give up and exit.
	shutdownTimeout = 20 * time.Second
	// How long a component may take to stop on SIGTERM before it is killed.
	childStopGrace = 5 * time.Second
)

type options struct {
	dir              string
	brokerNamespace  string
	brokerSA         string
	exitOnStdinClose bool
	bare             bool
}

func main() {
	runComponentIfRequested()
	opts := parseFlags()
	out, err := redirectOutput(opts.dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mesitis-test-cluster: %v\n", err)
		os.Exit(1)
	}
	if err := run(opts, out); err != nil {
		out.fatalf("%v", err)
		os.Exit(1)
	}
}

func parseFlags() options {
	var o options
	flag.StringVar(&o.dir, "dir", "", "working directory owned by this process (required)")
	flag.StringVar(&o.brokerNamespace, "broker-namespace", "provider-ns", "namespace of the broker's ServiceAccount identity")
	flag.StringVar(&o.brokerSA, "broker-serviceaccount", "mesitis", "name of the broker's ServiceAccount identity")
	flag.BoolVar(&o.exitOnStdinClose, "exit-on-stdin-close", true, "shut down when stdin reaches EOF")
	flag.BoolVar(&o.bare, "bare", false, "run only etcd and kube-apiserver: no controllers, scheduler or simulated nodes")
	flag.Parse()
	if o.dir == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	abs, err := filepath.Abs(o.dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mesitis-test-cluster: %v\n", err)
		os.Exit(2)
	}
	o.dir = abs
	if err := os.MkdirAll(o.dir, 0o700); err != nil {
		fmt.Fprintf(os.Stderr, "mesitis-test-cluster: %v\n", err)
		os.Exit(2)
	}
	return o
}

func run(opts options, out *outputs) error {
	// NewAPIServerCommand installs the SIGTERM/SIGINT handler and returns the
	// context it cancels. Creating it first lets that one context govern the
	// whole process, including the etcd start-up before the apiserver runs.
	cmd := app.NewAPIServerCommand()
	ctx := cmd.Context()
	if opts.exitOnStdinClose {
		go terminateOnStdinEOF()
	}

	etcd, err := startEtcd(ctx, filepath.Join(opts.dir, "etcd"))
	if err != nil {
		return fmt.Errorf("etcd: %w", err)
	}
	defer stopEtcd(etcd)

	creds, err := writeCredentials(opts)
	if err != nil {
		return err
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	cmd.SetArgs(apiserverArgs(opts.dir, port, etcdClientURL(etcd), creds, opts.bare))

	apiserverDone := make(chan error, 1)
	go func() { apiserverDone <- cmd.Execute() }()

	server := fmt.Sprintf("https://127.0.0.1:%d", port)
	if err := waitReady(ctx, server, creds, apiserverDone); err != nil {
		return err
	}
	if err := writeKubeconfigs(opts, server, creds); err != nil {
		return err
	}
	var children []*child
	var failed <-chan error
	if !opts.bare {
		if children, failed, err = startControlLoops(ctx, opts.dir); err != nil {
			return err
		}
	}
	defer stopChildren(children)
	if err := out.ready(readyLine{Server: server, Dir: opts.dir}); err != nil {
		return err
	}

	return waitForShutdown(ctx, apiserverDone, failed, children)
}

// startControlLoops starts the controller manager and the scheduler, runs
// kwok, registers the simulated Nodes and waits until they are Ready and
// the controllers act. The returned channel reports a component that dies.
func startControlLoops(ctx context.Context, dir string) ([]*child, <-chan error, error) {
	kubeconfig := filepath.Join(dir, "admin.kubeconfig")
	var children []*child
	for _, c := range []struct {
		name string
		args []string
	}{
		{"kube-controller-manager", controllerManagerArgs(kubeconfig, dir)},
		{"kube-scheduler", schedulerArgs(kubeconfig)},
	} {
		started, err := startComponent(dir, c.name, c.args)
		if err != nil {
			stopChildren(children)
			return nil, nil, err
		}
		children = append(children, started)
	}
	failed := watchChildren(ctx, dir, children)
	client, err := adminClient(kubeconfig)
	if err == nil {
		err = startKwok(ctx, kubeconfig)
	}
	if err == nil {
		err = createSimulatedNodes(ctx, client)
	}
	if err == nil {
		err = waitClusterBehaves(ctx, client, failed)
	}
	if err != nil {
		stopChildren(children)
		return nil, nil, err
	}
	return children, failed, nil
}

func stopChildren(children []*child) {
	for _, c := range children {
		c.stop(childStopGrace)
	}
}

// waitForShutdown blocks until the apiserver returns or a component dies.
// The apiserver returns on its own once the signal context is cancelled; the
// components are stopped first so that they do not log its going away. The
// watchdog covers a graceful shutdown that hangs (e.g. on a stuck
// in-flight request).
func waitForShutdown(ctx context.Context, apiserverDone <-chan error, failed <-chan error, children []*child) error {
	select {
	case err := <-apiserverDone:
		if err != nil {
			return fmt.Errorf("kube-apiserver exited: %w", err)
		}
		return errors.New("kube-apiserver exited unexpectedly")
	case err := <-failed:
		return err
	case <-ctx.Done():
	}
	stopChildren(children)
	select {
	case <-apiserverDone:
		return nil
	case <-time.After(shutdownTimeout):
		return errors.New("kube-apiserver did not shut down in time")
	}
}

type readyLine struct {
	Server string `json:"server"`
	Dir    string `json:"dir"`
}

func (l readyLine) String() string {
	b, _ := json.Marshal(l)
	return "READY " + string(b)
}
