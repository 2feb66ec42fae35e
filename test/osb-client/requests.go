package main

import (
	"crypto/rand"
	"fmt"

	osb "sigs.k8s.io/go-open-service-broker-client/v2"
)

// Requests as Service Catalog sends them on Kubernetes, and small helpers for the checks.

func (l *lifecycle) deprovisionQuietly(instance, plan string) {
	_, _ = l.client.DeprovisionInstance(l.deprovisionRequest(instance, plan, true))
}

func (l *lifecycle) provisionRequest(instance, plan string, acceptsIncomplete bool) *osb.ProvisionRequest {
	return &osb.ProvisionRequest{
		InstanceID:        instance,
		AcceptsIncomplete: acceptsIncomplete,
		ServiceID:         l.plans[plan],
		PlanID:            plan,
		// As Service Catalog sends them on Kubernetes: the cluster id and the namespace's UID.
		OrganizationGUID: l.clusterID,
		SpaceGUID:        l.spaceGUID,
		Context: map[string]interface{}{
			"platform": "kubernetes", "namespace": l.namespace, "clusterid": l.clusterID, "instance_name": "interop-" + instance[:8],
		},
		OriginatingIdentity: l.identity(),
	}
}

func (l *lifecycle) bindRequest(instance, binding, plan string, parameters map[string]interface{}) *osb.BindRequest {
	appGUID := l.spaceGUID
	return &osb.BindRequest{
		BindingID:           binding,
		InstanceID:          instance,
		ServiceID:           l.plans[plan],
		PlanID:              plan,
		Parameters:          parameters,
		BindResource:        &osb.BindResource{AppGUID: &appGUID},
		Context:             map[string]interface{}{"platform": "kubernetes", "namespace": l.namespace},
		OriginatingIdentity: l.identity(),
	}
}

func (l *lifecycle) unbindRequest(instance, binding, plan string) *osb.UnbindRequest {
	return &osb.UnbindRequest{InstanceID: instance, BindingID: binding, ServiceID: l.plans[plan], PlanID: plan, OriginatingIdentity: l.identity()}
}

func (l *lifecycle) deprovisionRequest(instance, plan string, acceptsIncomplete bool) *osb.DeprovisionRequest {
	return &osb.DeprovisionRequest{InstanceID: instance, AcceptsIncomplete: acceptsIncomplete, ServiceID: l.plans[plan], PlanID: plan, OriginatingIdentity: l.identity()}
}

func (l *lifecycle) lastOperationRequest(instance, plan string, operation *osb.OperationKey) *osb.LastOperationRequest {
	service := l.plans[plan]
	return &osb.LastOperationRequest{InstanceID: instance, ServiceID: &service, PlanID: &plan, OperationKey: operation, OriginatingIdentity: l.identity()}
}

func (l *lifecycle) identity() *osb.OriginatingIdentity {
	return &osb.OriginatingIdentity{
		Platform: "kubernetes",
		Value:    `{"username":"osb-interop","uid":"1000","groups":["system:authenticated"],"extra":{}}`,
	}
}

// expect passes when the client's predicate holds for err.
func expect(err error, predicate func(error) bool, name string) (string, error) {
	if err == nil {
		return "", failf("want an error satisfying %s, the call succeeded", name)
	}
	if !predicate(err) {
		return "", failf("%s is false for: %s", name, describe(err))
	}
	return fmt.Sprintf("%s: %s", name, describe(err)), nil
}

// wireStatus checks the status of the last answer, for what the client does not tell apart.
func wireStatus(rec *recorder, want int) (string, error) {
	got := rec.lastExchange().status
	if got != want {
		return "", failf("want HTTP %d, the broker answered %d", want, got)
	}
	return fmt.Sprintf("HTTP %d", got), nil
}

func deref(s *string) string {
	if s == nil {
		return "<no description>"
	}
	return *s
}

// newID is a random UUID (version 4), as platforms use for instance and binding ids.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
