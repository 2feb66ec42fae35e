// Command mesitis-test-cluster runs a real kube-apiserver backed by an
// embedded etcd, in one process and without containers, for Mesitis's tests.
//
// It owns the directory given by --dir: etcd data, generated certificates and
// keys, the token file, the logs and the three kubeconfigs all live there, and
// nothing outside it is written. Once the apiserver answers /readyz it prints
// exactly one line to stdout:
//
//	READY {"server":"https://127.0.0.1:PORT","dir":"DIR"}
//
// It shuts down on SIGTERM/SIGINT and when its stdin reaches EOF, so a test
// runner that crashes (and thereby closes the pipe) does not leak it.
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
)

type options struct {
	dir              string
	brokerNamespace  string
	brokerSA         string
	exitOnStdinClose bool
}

func main() {
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
	cmd.SetArgs(apiserverArgs(opts.dir, port, etcdClientURL(etcd), creds))

	apiserverDone := make(chan error, 1)
	go func() { apiserverDone <- cmd.Execute() }()

	server := fmt.Sprintf("https://127.0.0.1:%d", port)
	if err := waitReady(ctx, server, creds, apiserverDone); err != nil {
		return err
	}
	if err := writeKubeconfigs(opts, server, creds); err != nil {
		return err
	}
	if err := out.ready(readyLine{Server: server, Dir: opts.dir}); err != nil {
		return err
	}

	return waitForShutdown(ctx, apiserverDone)
}

// waitForShutdown blocks until the apiserver returns. It returns on its own
// once the signal context is cancelled; the watchdog covers the case where
// its graceful shutdown hangs (e.g. on a stuck in-flight request).
func waitForShutdown(ctx context.Context, apiserverDone <-chan error) error {
	select {
	case err := <-apiserverDone:
		if err != nil {
			return fmt.Errorf("kube-apiserver exited: %w", err)
		}
		return errors.New("kube-apiserver exited unexpectedly")
	case <-ctx.Done():
	}
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
