package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// startEtcd starts a single-member etcd in dataDir on free loopback ports and
// waits until it serves clients. It is a throwaway store, so fsync is off:
// that makes writes (and the apiserver's start-up) much faster.
func startEtcd(ctx context.Context, dataDir string) (*embed.Etcd, error) {
	clientURL, err := freeURL()
	if err != nil {
		return nil, err
	}
	peerURL, err := freeURL()
	if err != nil {
		return nil, err
	}

	cfg := embed.NewConfig()
	cfg.Name = "mesitis-test"
	cfg.Dir = dataDir
	cfg.ListenClientUrls = []url.URL{*clientURL}
	cfg.AdvertiseClientUrls = []url.URL{*clientURL}
	cfg.ListenPeerUrls = []url.URL{*peerURL}
	cfg.AdvertisePeerUrls = []url.URL{*peerURL}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.UnsafeNoFsync = true
	// fd 2 is DIR/apiserver.log by now (see redirectOutput); warnings only.
	cfg.LogLevel = "warn"
	cfg.LogOutputs = []string{"stderr"}
	// Only etcd's flag parsing sets this default; left at zero, every request
	// counts as slow and is logged.
	cfg.WarningUnaryRequestDuration = embed.DefaultWarningUnaryRequestDuration

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, nil
	case err := <-e.Err():
		e.Close()
		return nil, err
	case <-ctx.Done():
		e.Close()
		return nil, errors.New("interrupted while starting")
	case <-time.After(startupTimeout):
		e.Close()
		return nil, errors.New("not ready in time")
	}
}

func etcdClientURL(e *embed.Etcd) string {
	return e.Config().AdvertiseClientUrls[0].String()
}

// stopEtcd closes etcd, but does not let a stuck close keep the process
// alive: the data directory is disposable anyway.
func stopEtcd(e *embed.Etcd) {
	done := make(chan struct{})
	go func() { e.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
}

func freeURL() (*url.URL, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	return &url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", port)}, nil
}

// freePort asks the kernel for an unused loopback port. Another process
// could take it before we bind it again, but that window is tiny and the
// failure is loud (the server does not start), not silent.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
