package main

import (
	"fmt"
	"reflect"
	"time"

	osb "sigs.k8s.io/go-open-service-broker-client/v2"
)

// Plans of examples/, both whitelisted for client-ns: a dedicated Deployment
// (needs time to become ready, so async only) and an out-of-cluster URL
// (complete at once, so synchronous).
const (
	asyncPlanID = "6c1f5d2e-0b7a-4f3e-9d41-1a2b3c4d5e04" // api-service: ConfigMap + Deployment + Service
	syncPlanID  = "6c1f5d2e-0b7a-4f3e-9d41-1a2b3c4d5e01" // weather forecast v1: a URL
)

const pollDeadline = 60 * time.Second

// lifecycle is one pass through one view of the broker.
type lifecycle struct {
	checks    *report
	rec       *recorder
	client    osb.Client
	view      string
	namespace string
	clusterID string
	spaceGUID string
	plans     map[string]string // plan id -> service id, from the catalog
	// blocked says why the following checks cannot run (an earlier step they
	// need failed); they are still reported, as failures, so every run lists
	// the same checks.
	blocked string
}

func runLifecycle(checks *report, rec *recorder, prefix, namespace string) error {
	config := osb.DefaultClientConfiguration()
	config.Name = "mesitis-interop"
	config.URL = rec.url + prefix
	config.APIVersion = osb.LatestAPIVersion()
	config.TimeoutSeconds = 30
	client, err := osb.NewClient(config)
	if err != nil {
		return fmt.Errorf("NewClient: %v", err)
	}
	view := prefix + "/v2"
	l := &lifecycle{checks: checks, rec: rec, client: client, view: view, namespace: namespace,
		clusterID: newID(), spaceGUID: newID(), plans: map[string]string{}}
	l.run()
	return nil
}

func (l *lifecycle) name(check string) string { return fmt.Sprintf("%s %s", l.view, check) }

// step runs a check, or reports it as not run while an earlier step it needs has failed.
func (l *lifecycle) step(name string, run func() (string, error)) bool {
	if l.blocked != "" {
		l.checks.skip(name, l.blocked)
		return false
	}
	return l.checks.check(name, run)
}

// requires blocks the following steps when ok is false; the returned function
// (deferred by the caller) lifts the block at the end of the caller.
func (l *lifecycle) requires(ok bool, reason string) func() {
	previous := l.blocked
	if !ok && previous == "" {
		l.blocked = reason
	}
	return func() { l.blocked = previous }
}

func (l *lifecycle) run() {
	defer l.requires(l.step(l.name("catalog"), l.catalog), "the catalog did not list both example plans")()
	l.asyncLifecycle()
	l.refusals()
	l.syncLifecycle()
}

func (l *lifecycle) catalog() (string, error) {
	catalog, err := l.client.GetCatalog()
	if err != nil {
		return "", failf("GetCatalog: %s", describe(err))
	}
	plans := 0
	for _, service := range catalog.Services {
		if service.ID == "" || service.Name == "" || len(service.Plans) == 0 {
			return "", failf("service %q lacks id, name or plans", service.Name)
		}
		for _, plan := range service.Plans {
			plans++
			l.plans[plan.ID] = service.ID
		}
	}
	for _, id := range []string{asyncPlanID, syncPlanID} {
		if l.plans[id] == "" {
			return "", failf("plan %s missing from the catalog of %d services", id, len(catalog.Services))
		}
	}
	return fmt.Sprintf("%d services, %d plans, both example plans listed", len(catalog.Services), plans), nil
}

// asyncLifecycle: provision (202) and poll, get, bind, bind again, get the
// binding, unbind, deprovision (202) and poll, on the Deployment plan.
func (l *lifecycle) asyncLifecycle() {
	instance := newID()
	var operation *osb.OperationKey
	defer l.requires(l.step(l.name("provision async (AcceptsIncomplete) => 202"), func() (string, error) {
		response, err := l.client.ProvisionInstance(l.provisionRequest(instance, asyncPlanID, true))
		if err != nil {
			return "", failf("ProvisionInstance: %s", describe(err))
		}
		if !response.Async || response.OperationKey == nil {
			return "", failf("want 202 with an operation, got async=%v operation=%v", response.Async, response.OperationKey)
		}
		operation = response.OperationKey
		return fmt.Sprintf("202, operation %s", *operation), nil
	}), "the async provision failed")()
	l.step(l.name("provision again while provisioning (identical, async) => 202 same operation"), func() (string, error) {
		response, err := l.client.ProvisionInstance(l.provisionRequest(instance, asyncPlanID, true))
		if err != nil {
			return "", failf("ProvisionInstance: %s", describe(err))
		}
		if !response.Async || response.OperationKey == nil || *response.OperationKey != *operation {
			return "", failf("want 202 with operation %s, got async=%v operation=%v", *operation, response.Async, response.OperationKey)
		}
		return "202, same operation", nil
	})
	// Readiness is judged when last_operation is polled, so until the first
	// poll the instance is still being provisioned, whatever the cluster does.
	l.step(l.name("bind while provisioning => IsConcurrencyError"), func() (string, error) {
		_, err := l.client.Bind(l.bindRequest(instance, newID(), asyncPlanID, nil))
		return expect(err, osb.IsConcurrencyError, "IsConcurrencyError")
	})
	l.step(l.name("provision again while provisioning (identical, sync) => IsConcurrencyError"), func() (string, error) {
		_, err := l.client.ProvisionInstance(l.provisionRequest(instance, asyncPlanID, false))
		return expect(err, osb.IsConcurrencyError, "IsConcurrencyError")
	})
	polled := l.step(l.name("poll provision until succeeded"), func() (string, error) {
		return l.pollUntil(instance, asyncPlanID, operation, false)
	})
	if !polled && l.blocked == "" {
		l.deprovisionQuietly(instance, asyncPlanID)
	}
	defer l.requires(polled, "the provision did not succeed")()
	l.step(l.name("provision again when ready (identical) => 200"), func() (string, error) {
		response, err := l.client.ProvisionInstance(l.provisionRequest(instance, asyncPlanID, true))
		if err != nil {
			return "", failf("ProvisionInstance: %s", describe(err))
		}
		if response.Async {
			return "", failf("want a synchronous 200, got 202")
		}
		return wireStatus(l.rec, 200)
	})
	l.step(l.name("provision same id, other plan => IsConflictError"), func() (string, error) {
		_, err := l.client.ProvisionInstance(l.provisionRequest(instance, syncPlanID, true))
		return expect(err, osb.IsConflictError, "IsConflictError")
	})
	l.step(l.name("get instance"), func() (string, error) {
		response, err := l.client.GetInstance(&osb.GetInstanceRequest{InstanceID: instance})
		if err != nil {
			return "", failf("GetInstance: %s", describe(err))
		}
		if response.ServiceID != l.plans[asyncPlanID] || response.PlanID != asyncPlanID {
			return "", failf("want service %s plan %s, got service %s plan %s", l.plans[asyncPlanID], asyncPlanID, response.ServiceID, response.PlanID)
		}
		return "service and plan as provisioned", nil
	})
	l.bindingLifecycle(instance, asyncPlanID, "Deployment")
	l.deprovisionAsync(instance, asyncPlanID)
}

// bindingLifecycle: bind (201), bind again identical (200), bind again with
// other parameters (409), get, unbind (200), unbind again (410).
func (l *lifecycle) bindingLifecycle(instance, plan, label string) {
	name := func(check string) string { return l.name(check + " [" + label + " plan]") }
	binding := newID()
	var credentials map[string]interface{}
	bound := l.step(name("bind => 201"), func() (string, error) {
		response, err := l.client.Bind(l.bindRequest(instance, binding, plan, nil))
		if err != nil {
			return "", failf("Bind: %s", describe(err))
		}
		if response.Async || len(response.Credentials) == 0 {
			return "", failf("want a synchronous bind with credentials, got async=%v credentials=%v", response.Async, response.Credentials)
		}
		credentials = response.Credentials
		return wireStatus(l.rec, 201)
	})
	// A bind the client could not decode still made a binding: go on with it.
	status := l.rec.lastExchange().status
	defer l.requires(bound || status == 200 || status == 201, "the bind failed")()
	l.step(name("bind again (identical) => 200, same credentials"), func() (string, error) {
		response, err := l.client.Bind(l.bindRequest(instance, binding, plan, nil))
		if err != nil {
			return "", failf("Bind: %s", describe(err))
		}
		if !reflect.DeepEqual(response.Credentials, credentials) {
			return "", failf("credentials differ: %v, first %v", response.Credentials, credentials)
		}
		return wireStatus(l.rec, 200)
	})
	l.step(name("bind again (other parameters) => IsConflictError"), func() (string, error) {
		_, err := l.client.Bind(l.bindRequest(instance, binding, plan, map[string]interface{}{"purpose": "another"}))
		return expect(err, osb.IsConflictError, "IsConflictError")
	})
	l.step(name("get binding"), func() (string, error) {
		response, err := l.client.GetBinding(&osb.GetBindingRequest{InstanceID: instance, BindingID: binding})
		if err != nil {
			return "", failf("GetBinding: %s", describe(err))
		}
		if !reflect.DeepEqual(response.Credentials, credentials) {
			return "", failf("credentials differ: %v, bind gave %v", response.Credentials, credentials)
		}
		return "credentials as bound", nil
	})
	l.step(name("unbind => 200"), func() (string, error) {
		if _, err := l.client.Unbind(l.unbindRequest(instance, binding, plan)); err != nil {
			return "", failf("Unbind: %s", describe(err))
		}
		return wireStatus(l.rec, 200)
	})
	l.step(name("unbind unknown binding => 410 Gone"), func() (string, error) {
		// The client reads 410 as a finished unbind (no error to test with IsGoneError): look at the wire.
		if _, err := l.client.Unbind(l.unbindRequest(instance, binding, plan)); err != nil {
			return "", failf("Unbind: %s", describe(err))
		}
		return wireStatus(l.rec, 410)
	})
}

// deprovisionAsync: 202, poll until the operation succeeded or is gone, then
// a late poll is IsGoneError (410 once an async delete has finished).
func (l *lifecycle) deprovisionAsync(instance, plan string) {
	var operation *osb.OperationKey
	defer l.requires(l.step(l.name("deprovision (AcceptsIncomplete) => 202 or 200"), func() (string, error) {
		response, err := l.client.DeprovisionInstance(l.deprovisionRequest(instance, plan, true))
		if err != nil {
			return "", failf("DeprovisionInstance: %s", describe(err))
		}
		if !response.Async {
			return wireStatus(l.rec, 200)
		}
		operation = response.OperationKey
		return "202", nil
	}), "the deprovision failed")()
	l.step(l.name("poll deprovision until gone or succeeded"), func() (string, error) {
		return l.pollUntil(instance, plan, operation, true)
	})
	l.step(l.name("poll after deprovision => IsGoneError"), func() (string, error) {
		_, err := l.client.PollLastOperation(l.lastOperationRequest(instance, plan, operation))
		return expect(err, osb.IsGoneError, "IsGoneError")
	})
}

// refusals that need an instance of their own.
func (l *lifecycle) refusals() {
	l.step(l.name("deprovision unknown instance => 410 Gone"), func() (string, error) {
		// The client reads 410 as a finished deprovision (no error to test with IsGoneError): look at the wire.
		if _, err := l.client.DeprovisionInstance(l.deprovisionRequest(newID(), asyncPlanID, true)); err != nil {
			return "", failf("DeprovisionInstance: %s", describe(err))
		}
		return wireStatus(l.rec, 410)
	})
	instance := newID()
	l.step(l.name("provision Deployment plan synchronously => IsAsyncRequiredError"), func() (string, error) {
		response, err := l.client.ProvisionInstance(l.provisionRequest(instance, asyncPlanID, false))
		if err == nil {
			answer := l.rec.lastExchange()
			l.deprovisionQuietly(instance, asyncPlanID)
			return "", failf("want 422 AsyncRequired, the broker provisioned it (async=%v): %s", response.Async, answer)
		}
		return expect(err, osb.IsAsyncRequiredError, "IsAsyncRequiredError")
	})
}

// syncLifecycle: the URL plan is complete at once, so everything is synchronous.
func (l *lifecycle) syncLifecycle() {
	instance := newID()
	defer l.requires(l.step(l.name("provision URL plan synchronously => 201"), func() (string, error) {
		response, err := l.client.ProvisionInstance(l.provisionRequest(instance, syncPlanID, false))
		if err != nil {
			return "", failf("ProvisionInstance: %s", describe(err))
		}
		if response.Async {
			return "", failf("want 201, got 202")
		}
		return wireStatus(l.rec, 201)
	}), "the URL plan provision failed")()
	l.bindingLifecycle(instance, syncPlanID, "URL")
	l.step(l.name("deprovision URL plan synchronously => 200"), func() (string, error) {
		response, err := l.client.DeprovisionInstance(l.deprovisionRequest(instance, syncPlanID, false))
		if err != nil {
			return "", failf("DeprovisionInstance: %s", describe(err))
		}
		if response.Async {
			return "", failf("want 200, got 202")
		}
		return wireStatus(l.rec, 200)
	})
}

// pollUntil polls last_operation until it succeeded (or, for a deprovision, is gone).
func (l *lifecycle) pollUntil(instance, plan string, operation *osb.OperationKey, deprovision bool) (string, error) {
	deadline := time.Now().Add(pollDeadline)
	for polls := 1; ; polls++ {
		response, err := l.client.PollLastOperation(l.lastOperationRequest(instance, plan, operation))
		switch {
		case err != nil && deprovision && osb.IsGoneError(err):
			return fmt.Sprintf("410 Gone after %d polls", polls), nil
		case err != nil:
			return "", failf("PollLastOperation: %s", describe(err))
		case response.State == osb.StateSucceeded:
			return fmt.Sprintf("succeeded after %d polls", polls), nil
		case response.State == osb.StateFailed:
			return "", failf("operation failed: %s", deref(response.Description))
		case response.State != osb.StateInProgress:
			return "", failf("unknown state %q", response.State)
		case time.Now().After(deadline):
			return "", failf("still in progress after %s", pollDeadline)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
