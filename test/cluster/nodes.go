package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// simulatedNodes are the Nodes kwok plays. One is enough for the tests; it
// is large so that scheduling never fails for lack of room.
var simulatedNodes = []string{"kwok-node-0"}

func adminClient(kubeconfig string) (kubernetes.Interface, error) {
	config, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	config.QPS, config.Burst = 50, 100
	return kubernetes.NewForConfig(config)
}

// createSimulatedNodes registers the Nodes the way a kubelet would (with
// capacity in their status); kwok then marks them Ready and keeps their
// Lease fresh.
func createSimulatedNodes(ctx context.Context, client kubernetes.Interface) error {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("32"),
		corev1.ResourceMemory: resource.MustParse("256Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	for i, name := range simulatedNodes {
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name: name,
				Annotations: map[string]string{
					"kwok.x-k8s.io/node":           "fake",
					"node.alpha.kubernetes.io/ttl": "0",
				},
				Labels: map[string]string{
					"kubernetes.io/arch":     "amd64",
					"kubernetes.io/os":       "linux",
					"kubernetes.io/hostname": name,
					"type":                   "kwok",
				},
			},
			Spec: corev1.NodeSpec{PodCIDR: fmt.Sprintf("10.244.%d.0/24", i), PodCIDRs: []string{fmt.Sprintf("10.244.%d.0/24", i)}},
			Status: corev1.NodeStatus{
				Capacity:    capacity,
				Allocatable: capacity,
				// 192.0.2.0/24 is TEST-NET-1: never routed anywhere.
				Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: fmt.Sprintf("192.0.2.%d", i+1)}},
				NodeInfo:  corev1.NodeSystemInfo{Architecture: "amd64", OperatingSystem: "linux"},
			},
		}
		if _, err := client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create node %s: %w", name, err)
		}
	}
	return nil
}

// waitClusterBehaves waits until the simulated Nodes are Ready (kwok runs)
// and the 'default' namespace has its ServiceAccount (the controller
// manager runs, and with it the ServiceAccount admission plugin accepts
// Pods there).
func waitClusterBehaves(ctx context.Context, client kubernetes.Interface, failed <-chan error) error {
	deadline := time.After(startupTimeout)
	for {
		ready, err := clusterBehaves(ctx, client)
		if ready {
			return nil
		}
		select {
		case err := <-failed:
			return err
		case <-ctx.Done():
			return errors.New("interrupted while starting")
		case <-deadline:
			return fmt.Errorf("nodes or controllers not ready after %s: %v", startupTimeout, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func clusterBehaves(ctx context.Context, client kubernetes.Interface) (bool, error) {
	for _, name := range simulatedNodes {
		node, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if !nodeReady(node) {
			return false, fmt.Errorf("node %s not Ready", name)
		}
	}
	if _, err := client.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{}); err != nil {
		return false, err
	}
	return true, nil
}

func nodeReady(node *corev1.Node) bool {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
