package main

import (
	"context"
	"fmt"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"

	nodefast "sigs.k8s.io/kwok/kustomize/stage/node/fast"
	nodeheartbeat "sigs.k8s.io/kwok/kustomize/stage/node/heartbeat-with-lease"
	podfast "sigs.k8s.io/kwok/kustomize/stage/pod/fast"
	configv1alpha1 "sigs.k8s.io/kwok/pkg/apis/config/v1alpha1"
	"sigs.k8s.io/kwok/pkg/apis/internalversion"
	"sigs.k8s.io/kwok/pkg/client/clientset/versioned"
	kwokconfig "sigs.k8s.io/kwok/pkg/config"
	"sigs.k8s.io/kwok/pkg/kwok/controllers"
	kwokclient "sigs.k8s.io/kwok/pkg/utils/client"
)

// ReadyAfterAnnotation on a Pod (e.g. "3s", any Go duration) keeps it
// Pending (bound, not started) for that long before kwok makes it Running
// and Ready, for a test that must see a rollout in progress; without it a
// Pod is Running and Ready as soon as kwok sees it bound.
const ReadyAfterAnnotation = "mesitis.test/ready-after"

// kwokPodCIDR is where kwok takes Pod IPs from. It must not overlap the
// apiserver's --service-cluster-ip-range.
const kwokPodCIDR = "10.244.0.0/16"

// startKwok runs kwok's controller (the part of a kubelet that writes Node
// and Pod status) in this process until ctx ends. It manages every Node, so
// the Nodes we create are the simulated ones, and plays kwok's default
// "fast" stages: Nodes become Ready and renew their Lease; Pods bound to
// them go Pending -> Running with every container ready, Jobs' Pods
// complete, and deleted Pods are removed once their grace period is over.
func startKwok(ctx context.Context, kubeconfig string) error {
	stages, err := kwokDefaultStages()
	if err != nil {
		return fmt.Errorf("kwok stages: %w", err)
	}
	opts, err := kwokDefaultOptions()
	if err != nil {
		return err
	}

	clientset, err := kwokclient.NewClientset("", kubeconfig)
	if err != nil {
		return err
	}
	restConfig, err := clientset.ToRESTConfig()
	if err != nil {
		return err
	}
	dynamicClient, err := clientset.ToDynamicClient()
	if err != nil {
		return err
	}
	restMapper, err := clientset.ToRESTMapper()
	if err != nil {
		return err
	}
	restClient, err := rest.RESTClientFor(restConfig)
	if err != nil {
		return err
	}
	typedClient, err := kubernetes.NewForConfig(restConfig)
	if err != nil {
		return err
	}
	kwokClient, err := versioned.NewForConfig(restConfig)
	if err != nil {
		return err
	}
	id, err := controllers.Identity()
	if err != nil {
		return err
	}

	ctr, err := controllers.NewController(controllers.Config{
		Clock:                      clock.RealClock{},
		DynamicClient:              dynamicClient,
		RESTClient:                 restClient,
		RESTMapper:                 restMapper,
		ImpersonatingDynamicClient: clientset.ToImpersonatingDynamicClient(),
		ImpersonatingTypedClient:   clientset.ToImpersonatingTypedClient(),
		TypedClient:                typedClient,
		TypedKwokClient:            kwokClient,
		ManageAllNodes:             true,
		CIDR:                       kwokPodCIDR,
		NodeIP:                     opts.NodeIP,
		PodPlayStageParallelism:    opts.PodPlayStageParallelism,
		NodePlayStageParallelism:   opts.NodePlayStageParallelism,
		NodeLeaseParallelism:       opts.NodeLeaseParallelism,
		NodeLeaseDurationSeconds:   opts.NodeLeaseDurationSeconds,
		PodsOnNodeSyncParallelism:  opts.PodsOnNodeSyncParallelism,
		LocalStages:                stages,
		ID:                         id,
	})
	if err != nil {
		return err
	}
	return ctr.Start(ctx)
}

// kwokDefaultOptions are the defaults the kwok command would use with no
// configuration file (parallelism, lease duration, node IP).
func kwokDefaultOptions() (internalversion.KwokConfigurationOptions, error) {
	versioned := &configv1alpha1.KwokConfiguration{}
	configv1alpha1.SetObjectDefaults_KwokConfiguration(versioned)
	internal, err := internalversion.ConvertToInternalKwokConfiguration(versioned)
	if err != nil {
		return internalversion.KwokConfigurationOptions{}, err
	}
	return internal.Options, nil
}

// kwokDefaultStages are the stages `kwokctl create cluster` configures by
// default, grouped by the resource they apply to, with one addition: the
// pod-ready stage waits for the duration in ReadyAfterAnnotation, if any.
func kwokDefaultStages() (map[internalversion.StageResourceRef][]*internalversion.Stage, error) {
	raw := []string{
		nodefast.DefaultNodeInit,
		nodeheartbeat.DefaultNodeHeartbeatWithLease,
		podfast.DefaultPodReady,
		podfast.DefaultPodComplete,
		podfast.DefaultPodDelete,
	}
	grouped := map[internalversion.StageResourceRef][]*internalversion.Stage{}
	for _, r := range raw {
		stage, err := kwokconfig.UnmarshalWithType[*internalversion.Stage](r)
		if err != nil {
			return nil, err
		}
		if stage.Name == "pod-ready" && stage.Spec.Delay == nil {
			none := int64(0)
			stage.Spec.Delay = &internalversion.StageDelay{
				DurationMilliseconds: &none,
				DurationFrom: &internalversion.ExpressionFrom{JQ: &internalversion.ExpressionJQ{
					Expression: fmt.Sprintf(".metadata.annotations[%q]", ReadyAfterAnnotation),
				}},
			}
		}
		grouped[stage.Spec.ResourceRef] = append(grouped[stage.Spec.ResourceRef], stage)
	}
	return grouped, nil
}
