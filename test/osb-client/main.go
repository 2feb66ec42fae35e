// Command osb-client drives a broker through the whole OSB lifecycle with
// sigs.k8s.io/go-open-service-broker-client/v2, the client Kubernetes Service
// Catalog was built on, at its LatestAPIVersion, once through /v2 and once
// through a namespace view (/namespaces/NS/v2). Refusals are judged with the
// client's own predicates (IsGoneError, IsConflictError, IsAsyncRequiredError,
// IsConcurrencyError), so the broker must answer exactly as they expect.
//
//	osb-client -broker http://127.0.0.1:8080 [-namespace client-ns]
//
// One line per check on stdout, `PASS name: detail` or `FAIL name: detail`,
// then a count; exit status 1 when any check failed, 2 on a usage error.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"k8s.io/klog/v2"
	osb "sigs.k8s.io/go-open-service-broker-client/v2"
)

func main() {
	broker := flag.String("broker", "", "broker base URL, e.g. http://127.0.0.1:8080 (required)")
	namespace := flag.String("namespace", "client-ns", "consumer namespace: the context namespace and the namespace view")
	flag.Parse()
	if *broker == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: osb-client -broker URL [-namespace NS]")
		os.Exit(2)
	}
	silenceKlog()

	rec, err := startRecorder(strings.TrimRight(*broker, "/"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "osb-client: %v\n", err)
		os.Exit(2)
	}
	checks := &report{rec: rec}
	fmt.Printf("osb-client: go-open-service-broker-client at API version %s against %s\n", osb.LatestAPIVersion(), *broker)
	for _, prefix := range []string{"", "/namespaces/" + *namespace} {
		if err := runLifecycle(checks, rec, prefix, *namespace); err != nil {
			fmt.Fprintf(os.Stderr, "osb-client: %v\n", err)
			os.Exit(2)
		}
	}
	fmt.Printf("osb-client: %d checks passed, %d failed\n", checks.passed, checks.failed)
	if checks.failed > 0 {
		os.Exit(1)
	}
}

// The client logs every failure response through klog; the checks say it better.
func silenceKlog() {
	flags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(flags)
	_ = flags.Set("logtostderr", "false")
	_ = flags.Set("alsologtostderr", "false")
	_ = flags.Set("stderrthreshold", "FATAL")
	klog.SetOutput(io.Discard)
}

// report prints one line per check and counts them.
type report struct {
	rec    *recorder
	passed int
	failed int
}

// check runs one step. The step returns what it saw on success, or an error
// saying what was wrong; a failure line also shows the broker's last answer.
func (r *report) check(name string, step func() (string, error)) bool {
	r.rec.reset()
	detail, err := step()
	if err == nil {
		r.passed++
		fmt.Printf("PASS %s: %s\n", name, detail)
		return true
	}
	r.failed++
	fmt.Printf("FAIL %s: %v [wire: %s]\n", name, err, r.rec.lastExchange())
	return false
}

// skip records a check that could not run because an earlier one failed.
func (r *report) skip(name, because string) {
	r.failed++
	fmt.Printf("FAIL %s: not run, %s\n", name, because)
}

func failf(format string, args ...any) error { return fmt.Errorf(format, args...) }

// describe shows what the client made of an error: its HTTPStatusCodeError fields when it is one.
func describe(err error) string {
	if err == nil {
		return "no error"
	}
	if httpErr, ok := osb.IsHTTPError(err); ok {
		return httpErr.Error()
	}
	return err.Error()
}
