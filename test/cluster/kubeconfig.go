package main

import (
	"os"
	"path/filepath"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

const clusterName = "mesitis-test"

// writeKubeconfigs writes DIR/<context>.kubeconfig for each identity: token
// auth, the CA inline, and a context whose namespace is the identity's own.
func writeKubeconfigs(opts options, server string, c *credentials) error {
	for _, id := range c.identities() {
		path := filepath.Join(opts.dir, id.context+".kubeconfig")
		if err := writeKubeconfig(path, server, c.caPEM, id); err != nil {
			return err
		}
	}
	return nil
}

func writeKubeconfig(path, server string, caPEM []byte, id identity) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[clusterName] = &clientcmdapi.Cluster{
		Server:                   server,
		CertificateAuthorityData: caPEM,
	}
	cfg.AuthInfos[id.context] = &clientcmdapi.AuthInfo{Token: id.token}
	cfg.Contexts[id.context] = &clientcmdapi.Context{
		Cluster:   clusterName,
		AuthInfo:  id.context,
		Namespace: id.namespace,
	}
	cfg.CurrentContext = id.context

	// Write then rename, so nobody ever reads a half-written file.
	tmp := path + ".tmp"
	if err := clientcmd.WriteToFile(*cfg, tmp); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
