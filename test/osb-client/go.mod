module mesitis/test/osb-client

go 1.26.0

require (
	k8s.io/klog/v2 v2.0.0
	sigs.k8s.io/go-open-service-broker-client/v2 v2.0.0-20200925085050-ae25e62aaf10
)

require github.com/go-logr/logr v0.1.0 // indirect
