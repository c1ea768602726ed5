package sources

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const (
	acct   = "444444444444"
	bucket = "arn:aws:s3:::orgsiem-archive-222222222222"
)

func newFlowLogs(t *testing.T) (*ec2Server, *Handler) {
	s, c := newEC2Server(t, acct)
	return s, &Handler{FlowLogs: &FlowLogs{EC2: c, Account: acct, BucketARN: bucket}, Log: Discard}
}

var sweepEvent = Event{DetailType: "Scheduled Event", Detail: json.RawMessage(`{}`)}

// The sweep creates one flow log per VPC of the account, to the archive
// root, in the custom format with every field up to version 5, 1-minute
// aggregation and ALL traffic; VPCs shared by another account and VPCs with
// their own flow log are skipped with the reason; a second sweep creates
// nothing.
func TestSweepEnablesEveryVPCAndNeverReplaces(t *testing.T) {
	s, h := newFlowLogs(t)
	s.pageSize = 2 // three pages of VPCs
	s.vpcs = []fakeVPC{{"vpc-0a", acct}, {"vpc-0b", acct}, {"vpc-0c", "555555555555"}, {"vpc-0d", acct}, {"vpc-0e", acct}}
	s.flowLogs = []fakeFlowLog{
		{ID: "fl-own-cwl", Resource: "vpc-0d", Traffic: "REJECT", DestType: "cloud-watch-logs", Group: "/vpc/flow"},
		{ID: "fl-already", Resource: "vpc-0e", Traffic: "ALL", DestType: "s3", Dest: bucket + "/team-a"},
	}
	rep, err := h.Handle(context.Background(), sweepEvent)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Counts[Created] != 2 || rep.Counts[Skipped] != 2 || rep.Counts[Present] != 1 || len(rep.Outcomes) != 5 {
		t.Fatalf("outcomes %+v", rep.Outcomes)
	}
	for _, o := range rep.Outcomes {
		switch o.VPC {
		case "vpc-0c":
			if !strings.Contains(o.Reason, "shared by account 555555555555") {
				t.Errorf("shared VPC: %+v", o)
			}
		case "vpc-0d":
			if o.Action != Skipped || !strings.Contains(o.Reason, "fl-own-cwl to log group /vpc/flow") {
				t.Errorf("VPC with its own flow log: %+v", o)
			}
		}
	}
	if got := s.flowLogsOf("vpc-0d"); len(got) != 1 || got[0].ID != "fl-own-cwl" {
		t.Errorf("the account's own flow log was touched: %+v", got)
	}
	fl := s.flowLogsOf("vpc-0a")
	if len(fl) != 1 {
		t.Fatalf("vpc-0a flow logs %+v", fl)
	}
	if fl[0].Dest != bucket || fl[0].Traffic != "ALL" || fl[0].Interval != 60 || fl[0].Tags[Tag] != "true" {
		t.Errorf("flow log %+v", fl[0])
	}
	if n := strings.Count(fl[0].Format, "${"); n != 29 || !strings.HasSuffix(fl[0].Format, "${traffic-path}") {
		t.Errorf("format has %d fields: %s", n, fl[0].Format)
	}
	again, err := h.Handle(context.Background(), sweepEvent)
	if err != nil || again.Counts[Created] != 0 || again.Counts[Present] != 3 {
		t.Errorf("second sweep: %+v, %v", again.Counts, err)
	}
}

// A CreateVpc event (CloudTrail record through EventBridge) enables that
// VPC; a failed CreateVpc call or another event name is ignored.
func TestCreateVpcEventEnablesTheNewVPC(t *testing.T) {
	s, h := newFlowLogs(t)
	s.vpcs = []fakeVPC{{"vpc-0new", acct}}
	ev := Event{DetailType: "AWS API Call via CloudTrail", Detail: json.RawMessage(
		`{"eventSource":"ec2.amazonaws.com","eventName":"CreateVpc","responseElements":{"requestId":"r","vpc":{"vpcId":"vpc-0new","ownerId":"` + acct + `"}}}`)}
	rep, err := h.Handle(context.Background(), ev)
	if err != nil || rep.Counts[Created] != 1 || len(s.flowLogsOf("vpc-0new")) != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	failed := Event{DetailType: ev.DetailType, Detail: json.RawMessage(`{"eventName":"CreateVpc","errorCode":"UnauthorizedOperation","responseElements":null}`)}
	if rep, err := h.Handle(context.Background(), failed); err != nil || len(rep.Outcomes) != 0 {
		t.Errorf("failed CreateVpc: %+v %v", rep, err)
	}
	// The VPC deleted before the function ran: EC2 answers
	// InvalidVpcID.NotFound; skipped, not retried.
	gone := Event{DetailType: ev.DetailType, Detail: json.RawMessage(`{"eventName":"CreateVpc","responseElements":{"vpc":{"vpcId":"vpc-0gone"}}}`)}
	if rep, err := h.Handle(context.Background(), gone); err != nil || rep.Counts[Skipped] != 1 {
		t.Errorf("deleted VPC: %+v %v", rep, err)
	}
}

// EC2 refusing a flow log is a Failed outcome and an error naming the VPC;
// the sweep still handles the other VPCs.
func TestRefusedFlowLogIsReported(t *testing.T) {
	s, h := newFlowLogs(t)
	s.vpcs = []fakeVPC{{"vpc-0a", acct}, {"vpc-0b", acct}}
	h.FlowLogs.BucketARN = "arn:aws:s3:::orgsiem-archive-222222222222/AWSLogs" // refused by EC2
	rep, err := h.Handle(context.Background(), sweepEvent)
	if err == nil || !strings.Contains(err.Error(), "vpc-0a") || rep.Counts[Failed] != 2 {
		t.Fatalf("%+v %v", rep, err)
	}
	if !strings.Contains(rep.Outcomes[0].Reason, "AWSLogs") {
		t.Errorf("reason %q does not carry EC2's answer", rep.Outcomes[0].Reason)
	}
}

// The first sweep runs as a CloudFormation custom resource: the function
// PUTs the response to the pre-signed ResponseURL (CloudFormation User
// Guide, "Custom resource response objects": Status, Reason,
// PhysicalResourceId, StackId, RequestId, LogicalResourceId, Data); a VPC
// EC2 refuses does not fail the stack, VPCs that cannot be listed do.
func TestFirstSweepAnswersCloudFormation(t *testing.T) {
	type answer struct {
		Status, Reason, PhysicalResourceId, StackId, RequestId, LogicalResourceId string
		Data                                                                      map[string]any
	}
	var got []answer
	cfnSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a answer
		if r.Method != http.MethodPut || json.NewDecoder(r.Body).Decode(&a) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		got = append(got, a)
	}))
	defer cfnSrv.Close()
	req := func(typ string) json.RawMessage {
		return json.RawMessage(`{"RequestType":"` + typ + `","ResponseURL":"` + cfnSrv.URL + `/resp","StackId":"arn:aws:cloudformation:eu-west-1:` + acct +
			`:stack/StackSet-orgsiem/1","RequestId":"r1","LogicalResourceId":"InitialFlowLogSweep","ResourceType":"AWS::CloudFormation::CustomResource","ResourceProperties":{}}`)
	}
	s, h := newFlowLogs(t)
	s.vpcs = []fakeVPC{{"vpc-0a", acct}}
	if _, err := h.HandleRaw(context.Background(), req("Create")); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Status != "SUCCESS" || got[0].PhysicalResourceId != PhysicalResourceID || got[0].Data[Created] != float64(1) || got[0].RequestId != "r1" {
		t.Fatalf("answers %+v", got)
	}
	if _, err := h.HandleRaw(context.Background(), req("Delete")); err != nil || got[1].Status != "SUCCESS" || len(s.flowLogsOf("vpc-0a")) != 1 {
		t.Fatalf("delete: %+v %v (flow logs must stay)", got, err)
	}
	h.FlowLogs.EC2 = brokenEC2{}
	if _, err := h.HandleRaw(context.Background(), req("Update")); err != nil || got[2].Status != "FAILED" || !strings.Contains(got[2].Reason, "UnauthorizedOperation") {
		t.Fatalf("update without permission: %+v %v", got, err)
	}
}
