package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// outputs are the process's original stdout and stderr, kept aside before
// file descriptors 1 and 2 are pointed at DIR/apiserver.log.
type outputs struct {
	stdout *os.File // carries exactly one line: READY {...}
	stderr *os.File // our own fatal errors, so the caller sees them
}

// redirectOutput sends everything written to fds 1 and 2 (klog, etcd's zap
// logger, cobra, Go runtime panics) to DIR/apiserver.log, keeping the test
// runner's output readable, and returns the original streams for our own use.
// Redirecting the descriptors, rather than configuring each logger, also
// catches output from libraries that write to os.Stderr directly.
func redirectOutput(dir string) (*outputs, error) {
	logFile, err := os.OpenFile(filepath.Join(dir, "apiserver.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	stdout, err := dupFile(1, "stdout")
	if err != nil {
		return nil, err
	}
	stderr, err := dupFile(2, "stderr")
	if err != nil {
		return nil, err
	}
	for _, fd := range []int{1, 2} {
		if err := unix.Dup2(int(logFile.Fd()), fd); err != nil {
			return nil, fmt.Errorf("redirect fd %d: %w", fd, err)
		}
	}
	return &outputs{stdout: stdout, stderr: stderr}, nil
}

func dupFile(fd int, name string) (*os.File, error) {
	newFD, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil, fmt.Errorf("dup %s: %w", name, err)
	}
	return os.NewFile(uintptr(newFD), name), nil
}

func (o *outputs) ready(line readyLine) error {
	_, err := fmt.Fprintln(o.stdout, line.String())
	return err
}

// fatalf reports an error both to the caller's stderr and to the log file
// (now fd 2), so it is next to the apiserver's own messages.
func (o *outputs) fatalf(format string, args ...any) {
	msg := fmt.Sprintf("mesitis-test-cluster: "+format+"\n", args...)
	fmt.Fprint(o.stderr, msg)
	fmt.Fprint(os.Stderr, msg)
}

// terminateOnStdinEOF sends ourselves SIGTERM once stdin is closed. The parent
// keeps the write end of a pipe open for as long as it lives, so this fires
// when it exits for any reason, including a crash or SIGKILL. Going through
// SIGTERM reuses the apiserver's own graceful shutdown path.
func terminateOnStdinEOF() {
	_, _ = io.Copy(io.Discard, os.Stdin)
	_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
}
