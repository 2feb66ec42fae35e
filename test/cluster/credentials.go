package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"

	certutil "k8s.io/client-go/util/cert"
)

// identity is one static-token user of the test cluster.
// File names under DIR/pki that the controller manager reads too.
const (
	serviceAccountKeyName = "service-account.key"
	caCertName            = "ca.crt"
)

type identity struct {
	context   string // kubeconfig file stem and context name
	namespace string // the context's default namespace
	user      string
	groups    []string
	token     string
}

// credentials are the files and secrets generated for one cluster run.
type credentials struct {
	admin, broker, consumer identity

	tokenFile   string
	saKeyFile   string // ECDSA key that signs and verifies ServiceAccount tokens
	servingCert string // serving certificate followed by its self-signed CA
	servingKey  string
	caPEM       []byte // the CA alone, for kubeconfigs and the readiness probe
	pkiDir      string
}

func (c *credentials) identities() []identity {
	return []identity{c.admin, c.broker, c.consumer}
}

// writeCredentials generates the three identities and all key material under
// DIR/pki. Tokens are random per run, so a leaked kubeconfig is worthless.
func writeCredentials(opts options) (*credentials, error) {
	c := &credentials{pkiDir: filepath.Join(opts.dir, "pki")}
	if err := os.MkdirAll(c.pkiDir, 0o700); err != nil {
		return nil, err
	}

	c.admin = identity{context: "admin", namespace: "default", user: "admin",
		groups: []string{"system:masters", "system:authenticated"}}
	// Named exactly like the ServiceAccount's own identity, so RoleBindings
	// whose subject is that ServiceAccount apply to the broker's requests,
	// just as they would in-cluster. No ServiceAccount object is needed.
	c.broker = identity{context: "broker", namespace: opts.brokerNamespace,
		user:   fmt.Sprintf("system:serviceaccount:%s:%s", opts.brokerNamespace, opts.brokerSA),
		groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + opts.brokerNamespace, "system:authenticated"}}
	c.consumer = identity{context: "consumer", namespace: "default", user: "consumer",
		groups: []string{"system:authenticated"}}
	for _, id := range []*identity{&c.admin, &c.broker, &c.consumer} {
		token, err := randomToken()
		if err != nil {
			return nil, err
		}
		id.token = token
	}

	steps := []func() error{c.writeTokenFile, c.writeServiceAccountKey, c.writeServingCert}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// writeTokenFile writes the --token-auth-file: token,user,uid,"group1,group2".
func (c *credentials) writeTokenFile() error {
	var b strings.Builder
	for _, id := range c.identities() {
		fmt.Fprintf(&b, "%s,%s,%s,%q\n", id.token, id.user, id.user, strings.Join(id.groups, ","))
	}
	c.tokenFile = filepath.Join(c.pkiDir, "tokens.csv")
	return os.WriteFile(c.tokenFile, []byte(b.String()), 0o600)
}

// writeServiceAccountKey writes the key the apiserver requires for
// ServiceAccount tokens. One private key file serves as both the signing key
// and the verification key (the public half is derived from it).
func (c *credentials) writeServiceAccountKey() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	c.saKeyFile = filepath.Join(c.pkiDir, serviceAccountKeyName)
	return os.WriteFile(c.saKeyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}

// writeServingCert generates the apiserver's serving certificate ourselves
// (instead of letting it self-sign into --cert-dir) so we hold its CA and the
// kubeconfigs can verify TLS rather than skip verification.
func (c *credentials) writeServingCert() error {
	certPEM, keyPEM, err := certutil.GenerateSelfSignedCertKey("127.0.0.1", []net.IP{net.ParseIP("127.0.0.1")}, []string{"localhost"})
	if err != nil {
		return err
	}
	// The bundle is the serving certificate followed by the CA that signed it.
	certs, err := certutil.ParseCertsPEM(certPEM)
	if err != nil {
		return err
	}
	if len(certs) < 2 {
		return fmt.Errorf("expected a certificate and its CA, got %d certificates", len(certs))
	}
	c.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certs[len(certs)-1].Raw})
	c.servingCert = filepath.Join(c.pkiDir, "apiserver.crt")
	c.servingKey = filepath.Join(c.pkiDir, "apiserver.key")
	if err := os.WriteFile(c.servingCert, certPEM, 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(c.pkiDir, caCertName), c.caPEM, 0o600); err != nil {
		return err
	}
	return os.WriteFile(c.servingKey, keyPEM, 0o600)
}
