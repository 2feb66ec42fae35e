package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"time"
)

// apiserverArgs are the kube-apiserver flags for a single-machine control
// plane with no cloud and no real kubelets.
func apiserverArgs(dir string, port int, etcdURL string, c *credentials, bare bool) []string {
	args := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--cert-dir=" + filepath.Join(dir, "pki"),
		"--tls-cert-file=" + c.servingCert,
		"--tls-private-key-file=" + c.servingKey,

		"--token-auth-file=" + c.tokenFile,
		"--authorization-mode=RBAC",

		// The controller manager signs ServiceAccount tokens with the same
		// key; the ServiceAccount admission plugin (on by default) gives
		// Pods their account once its controller has created it.
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + c.saKeyFile,
		"--service-account-signing-key-file=" + c.saKeyFile,

		"--service-cluster-ip-range=10.0.0.0/24",
		"--allow-privileged=true",
		// The apiserver advertises 127.0.0.1, which an Endpoints or
		// EndpointSlice object may not hold: do not maintain the
		// 'kubernetes' Service's endpoints.
		"--endpoint-reconciler-type=none",
		"--profiling=false",
		"--v=0",
	}
	if bare {
		// That admission plugin waits for the ServiceAccount controller to
		// create each namespace's 'default' account; without controllers
		// it would reject every Pod.
		args = append(args, "--disable-admission-plugins=ServiceAccount")
	}
	return args
}

// waitReady polls /readyz (which includes RBAC's bootstrap policy) and then
// waits for the 'default' namespace, which a post-start controller creates
// shortly after, so tests can use it immediately.
func waitReady(ctx context.Context, server string, c *credentials, apiserverDone <-chan error) error {
	client, err := probeClient(c.caPEM)
	if err != nil {
		return err
	}
	deadline := time.After(startupTimeout)
	for _, path := range []string{"/readyz", "/api/v1/namespaces/default"} {
		for !probe(ctx, client, server+path, c.admin.token) {
			select {
			case err := <-apiserverDone:
				if err == nil {
					err = errors.New("exited")
				}
				return fmt.Errorf("kube-apiserver failed to start: %w", err)
			case <-ctx.Done():
				return errors.New("interrupted while starting")
			case <-deadline:
				return fmt.Errorf("kube-apiserver: %s not OK after %s", path, startupTimeout)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}

func probeClient(caPEM []byte) (*http.Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("invalid CA certificate")
	}
	return &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}, nil
}

func probe(ctx context.Context, client *http.Client, url, token string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}
