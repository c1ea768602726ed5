package member

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/orgsiem/orgsiem/functions/sources"
	"github.com/orgsiem/orgsiem/policies"
)

// With FlowLogs, the baseline runs the sources function on CreateVpc
// (CloudTrail through EventBridge), on the sweep schedule and once at
// deploy; the schedule's input is an event the function reads as a sweep.
// Without it, none of that is deployed.
func TestFlowLogsInTheBaseline(t *testing.T) {
	_, tmpl := render(t, sampleConfig(ModeLogGroup))
	fn, ok := tmpl.Resources[SourcesFunctionID]
	if !ok || fn.Properties["FunctionName"] != policies.SourcesFunction {
		t.Fatalf("no sources function: %+v", fn)
	}
	env := fn.Properties["Environment"].(Props)["Variables"].(Props)
	if env[EnvArchiveBucketARN] != sampleOrg.ArchiveBucketARN() {
		t.Errorf("env %v", env)
	}
	for _, id := range []string{CreateVpcRuleID, CreateVpcInvokeID, FlowLogSweepRuleID, FlowLogSweepInvokeID, InitialFlowLogSweepID, SourcesErrorsAlarmID, SourcesRoleID, SourcesLogGroupID} {
		if _, ok := tmpl.Resources[id]; !ok {
			t.Errorf("no %s", id)
		}
	}
	input := tmpl.Resources[FlowLogSweepRuleID].Properties["Targets"].([]Props)[0]["Input"].(string)
	var ev sources.Event
	if err := json.Unmarshal([]byte(input), &ev); err != nil || ev.DetailType != "Scheduled Event" {
		t.Errorf("sweep input %s reads as %+v, %v", input, ev, err)
	}
	// The function refuses what it cannot read: the input must not be one.
	h := &sources.Handler{FlowLogs: &sources.FlowLogs{EC2: nil}, Log: sources.Discard}
	if _, err := h.Handle(context.Background(), sources.Event{DetailType: "Other"}); err == nil {
		t.Error("the handler accepts any event")
	}

	c := sampleConfig(ModeLogGroup)
	c.FlowLogs = false
	_, off := render(t, c)
	for id := range off.Resources {
		if id == SourcesFunctionID || id == CreateVpcRuleID || id == InitialFlowLogSweepID {
			t.Errorf("%s deployed with flow logs off", id)
		}
	}
}
