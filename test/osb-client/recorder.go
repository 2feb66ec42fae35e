package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
)

// exchange is one request through the recorder and the broker's answer to it.
type exchange struct {
	method string
	path   string
	status int
	body   string
}

func (e exchange) String() string {
	if e.status == 0 {
		return "no request reached the broker"
	}
	body := strings.TrimSpace(e.body)
	if len(body) > 300 {
		body = body[:300] + "..."
	}
	return fmt.Sprintf("%s %s -> %d %s", e.method, e.path, e.status, body)
}

// recorder is a reverse proxy in front of the broker that remembers the last
// exchange. The client hides some answers (it reads 410 on unbind and
// deprovision as success, and 200 and 201 alike), so the checks that are
// about those look at the wire; every failure also shows what was sent back.
type recorder struct {
	mu   sync.Mutex
	last exchange
	url  string
}

func startRecorder(target string) (*recorder, error) {
	upstream, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("bad broker URL %q: %v", target, err)
	}
	r := &recorder{}
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	proxy.ModifyResponse = func(response *http.Response) error {
		body, err := io.ReadAll(response.Body)
		_ = response.Body.Close()
		if err != nil {
			return err
		}
		response.Body = io.NopCloser(bytes.NewReader(body))
		r.mu.Lock()
		r.last = exchange{method: response.Request.Method, path: response.Request.URL.RequestURI(), status: response.StatusCode, body: string(body)}
		r.mu.Unlock()
		return nil
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go func() { _ = http.Serve(listener, proxy) }()
	r.url = "http://" + listener.Addr().String()
	return r, nil
}

// reset forgets the last exchange, so a check never reports an earlier one.
func (r *recorder) reset() {
	r.mu.Lock()
	r.last = exchange{}
	r.mu.Unlock()
}

func (r *recorder) lastExchange() exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}
