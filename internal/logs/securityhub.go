package logs

// AWS Security Hub (CSPM) findings in the AWS Security Finding Format (ASFF).
// ASFF:        https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format.html
// EventBridge: https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-cwe-event-formats.html
//
// NOTE for the CloudWatch Logs router (logs-core): findingMessage below maps
// ONE EventBridge event put into a log group: a GuardDuty finding event
// (d.Type "guardduty") or a Security Hub findings event holding exactly one
// finding (d.Type "securityhub"). A Security Hub event with several findings
// returns an error naming the count (its findings cannot share one document
// and one log event id); route such log groups' messages through Normalize
// with Type "securityhub" instead, where each finding is its own record.
//
// Delivery shapes, each record told apart by its keys:
//   - EventBridge events (source aws.securityhub, detail-type "Security Hub
//     Findings - Imported" or "- Custom Action", detail.findings[]) archived
//     through Firehose, one per line or back to back;
//   - raw ASFF findings, one per line, pretty-printed, or a JSON array of them
//     (API/CLI output, BatchImportFindings input).
//
// Positions: every finding is one record. An event with three findings
// takes three consecutive positions (log.offset), so the Stats count
// findings, Object.SkipRecords resumes in the middle of an event, and a bad
// finding costs only its own record. An event whose findings list is empty
// takes one position and is skipped as "securityhub-empty-event"; "Security
// Hub Insight Results" events are skipped as "securityhub-insight-results";
// other detail-types (such as the OCSF "Findings Imported V2" of the newer
// Security Hub) are error documents, so they are seen rather than lost.
//
// ECS mapping: event.kind alert; @timestamp = UpdatedAt; event.created =
// CreatedAt; event.id and _id = Id + "-" + UpdatedAt (RFC 3339, UTC);
// event.severity = Severity.Normalized when it lies in the band of
// Severity.Label, else the floor of that band (INFORMATIONAL 0, LOW 1, MEDIUM
// 40, HIGH 70, CRITICAL 90), Normalized alone when there is no Label;
// event.outcome from Compliance.Status (PASSED success, FAILED failure,
// other unknown); rule.id = Compliance.SecurityControlId or GeneratorId,
// rule.name = Title, rule.description = Description, rule.ruleset = the
// standard (ProductFields StandardsArn / StandardsGuideArn, else the first
// AssociatedStandards id), rule.category = the first of Types; cloud.* from
// AwsAccountId, AwsAccountName and Region (else the first resource's region,
// else the event's); source/destination from Network or from the remote IP
// of Action.
//
// Counting GuardDuty once: observer.product is ProductName, or
// ProductFields."aws/securityhub/ProductName" for findings older than the
// top-level ProductName; GuardDuty findings imported into Security Hub have
// observer.product "GuardDuty" (and ProductArn ending in
// /product/aws/guardduty). Detections over both indices exclude
// observer.product:GuardDuty from the Security Hub side; GuardDuty documents
// carry observer.product "GuardDuty" too, so one query counts them once.
//
// aws.securityhub is the finding; Resources, ProductFields, Action, Network,
// Remediation and the other nested parts are flat_object (Resources[].Details
// differs per resource type); events add eventbridge (the envelope without
// detail).

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// shFinding holds the typed fields of an ASFF finding (every declared
// non-flat aws.securityhub field, so a wrong JSON type is an error document).
type shFinding struct {
	SchemaVersion     string   `json:"SchemaVersion"`
	ID                string   `json:"Id"`
	ProductArn        string   `json:"ProductArn"`
	ProductName       string   `json:"ProductName"`
	CompanyName       string   `json:"CompanyName"`
	Region            string   `json:"Region"`
	GeneratorID       string   `json:"GeneratorId"`
	AwsAccountID      string   `json:"AwsAccountId"`
	AwsAccountName    string   `json:"AwsAccountName"`
	Types             []string `json:"Types"`
	FirstObservedAt   string   `json:"FirstObservedAt"`
	LastObservedAt    string   `json:"LastObservedAt"`
	CreatedAt         string   `json:"CreatedAt"`
	UpdatedAt         string   `json:"UpdatedAt"`
	ProcessedAt       string   `json:"ProcessedAt"`
	Title             string   `json:"Title"`
	Description       string   `json:"Description"`
	SourceURL         string   `json:"SourceUrl"`
	RecordState       string   `json:"RecordState"`
	WorkflowState     string   `json:"WorkflowState"`
	VerificationState string   `json:"VerificationState"`
	Confidence        *int64   `json:"Confidence"`
	Criticality       *int64   `json:"Criticality"`
	Sample            *bool    `json:"Sample"`
	Severity          struct {
		Label      string   `json:"Label"`
		Normalized *int64   `json:"Normalized"`
		Original   string   `json:"Original"`
		Product    *float64 `json:"Product"`
	} `json:"Severity"`
	Workflow struct {
		Status string `json:"Status"`
	} `json:"Workflow"`
	Compliance struct {
		Status              string   `json:"Status"`
		SecurityControlID   string   `json:"SecurityControlId"`
		RelatedRequirements []string `json:"RelatedRequirements"`
		AssociatedStandards []struct {
			StandardsID string `json:"StandardsId"`
		} `json:"AssociatedStandards"`
		StatusReasons []struct {
			ReasonCode  string `json:"ReasonCode"`
			Description string `json:"Description"`
		} `json:"StatusReasons"`
	} `json:"Compliance"`
	ProductFields json.RawMessage `json:"ProductFields"`
	Resources     json.RawMessage `json:"Resources"`
	Network       json.RawMessage `json:"Network"`
	Action        json.RawMessage `json:"Action"`
}

// shProductFields are the ProductFields keys the mapping reads (best effort:
// ProductFields is free-form).
type shProductFields struct {
	ProductName       string `json:"aws/securityhub/ProductName"`
	CompanyName       string `json:"aws/securityhub/CompanyName"`
	StandardsArn      string `json:"StandardsArn"`
	StandardsGuideArn string `json:"StandardsGuideArn"`
}

// shNetwork is the part of Network the mapping reads.
type shNetwork struct {
	Direction       string `json:"Direction"`
	Protocol        string `json:"Protocol"`
	SourceIPV4      string `json:"SourceIpV4"`
	SourceIPV6      string `json:"SourceIpV6"`
	SourcePort      int64  `json:"SourcePort"`
	SourceDomain    string `json:"SourceDomain"`
	DestinationIPV4 string `json:"DestinationIpV4"`
	DestinationIPV6 string `json:"DestinationIpV6"`
	DestinationPort int64  `json:"DestinationPort"`
}

// shAction is the part of Action the mapping reads.
type shAction struct {
	ActionType       string `json:"ActionType"`
	AwsAPICallAction struct {
		RemoteIPDetails shRemoteIP `json:"RemoteIpDetails"`
	} `json:"AwsApiCallAction"`
	NetworkConnectionAction struct {
		ConnectionDirection string     `json:"ConnectionDirection"`
		RemoteIPDetails     shRemoteIP `json:"RemoteIpDetails"`
	} `json:"NetworkConnectionAction"`
	PortProbeAction struct {
		PortProbeDetails []struct {
			RemoteIPDetails shRemoteIP `json:"RemoteIpDetails"`
		} `json:"PortProbeDetails"`
	} `json:"PortProbeAction"`
	DNSRequestAction struct {
		Domain string `json:"Domain"`
	} `json:"DnsRequestAction"`
}

type shRemoteIP struct {
	IPAddressV4 string `json:"IpAddressV4"`
}

// shResourceRegion reads the first resource's region.
type shResourceRegion struct {
	Region string `json:"Region"`
}

// shEventDetail is detail of a Security Hub findings event.
type shEventDetail struct {
	Findings []json.RawMessage `json:"findings"`
}

func parseSecurityHub(in *Input, out *Output) error {
	p := &findingParser{aws: newAWSObject("securityhub")}
	return readJSONRecords(in, out, true, p.securityHubRecord, nil)
}

func (p *findingParser) securityHubRecord(out *Output, raw []byte, line int64) error {
	var env eventBridgeEnvelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	if env.DetailType == "" {
		return p.securityHubFinding(out, raw, nil, line, 0)
	}
	findings, skip, err := securityHubEventFindings(&env)
	switch {
	case skip != "":
		out.Skip(skip)
		return nil
	case err != nil:
		return out.Fail(raw, lineError(line, err))
	}
	for i, f := range findings {
		if err := p.securityHubFinding(out, f, &env, line, i); err != nil {
			return err
		}
	}
	return nil
}

// securityHubEventFindings returns the findings of a Security Hub
// EventBridge event, or the skip reason for events that hold none.
func securityHubEventFindings(env *eventBridgeEnvelope) (findings []json.RawMessage, skip string, err error) {
	if env.Source != "aws.securityhub" {
		return nil, "", fmt.Errorf("EventBridge event from %q (%s) is not a Security Hub event", env.Source, env.DetailType)
	}
	switch {
	case env.DetailType == "Security Hub Insight Results":
		return nil, "securityhub-insight-results", nil
	case !strings.HasPrefix(env.DetailType, "Security Hub Findings - "):
		return nil, "", fmt.Errorf("Security Hub detail-type %q is not an ASFF findings event", env.DetailType)
	}
	var det shEventDetail
	if len(env.Detail) == 0 {
		return nil, "", errors.New("Security Hub findings event has no detail")
	}
	if err := json.Unmarshal(env.Detail, &det); err != nil {
		return nil, "", fmt.Errorf("detail: %w", err)
	}
	if len(det.Findings) == 0 {
		return nil, "securityhub-empty-event", nil
	}
	return det.Findings, "", nil
}

func (p *findingParser) securityHubFinding(out *Output, raw []byte, env *eventBridgeEnvelope, line int64, index int) error {
	d := out.Doc()
	if err := mapSecurityHubFinding(d, p.aws, raw, env); err != nil {
		if env != nil {
			err = fmt.Errorf("finding %d: %w", index, err)
		}
		return out.Fail(raw, lineError(line, err))
	}
	return out.Emit(d)
}

// mapSecurityHubFinding maps one ASFF finding (raw, from env when it came in
// an event) into d and sets d.AWS from w.
func mapSecurityHubFinding(d *ecs.Document, w *awsObject, raw []byte, env *eventBridgeEnvelope) error {
	raw = trimJSONSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return errors.New("finding is not a JSON object")
	}
	var f shFinding
	if err := json.Unmarshal(raw, &f); err != nil {
		return err
	}
	w.reset()
	if env != nil {
		w.extra("eventbridge", env.metadata())
		// The event's account and region; the finding's own win below.
		setCloudDefaults(d, env.Account, env.Region)
	}
	if err := mapSecurityHub(d, &f); err != nil {
		return err
	}
	d.AWS = w.build(raw)
	return nil
}

func mapSecurityHub(d *ecs.Document, f *shFinding) error {
	if f.ID == "" {
		return errors.New("finding has no Id")
	}
	if f.UpdatedAt == "" {
		return errors.New("finding has no UpdatedAt")
	}
	updated, err := parseJSONTime(f.UpdatedAt)
	if err != nil {
		return fmt.Errorf("UpdatedAt: %w", err)
	}
	d.Timestamp = updated
	if f.CreatedAt != "" {
		created, err := parseJSONTime(f.CreatedAt)
		if err != nil {
			return fmt.Errorf("CreatedAt: %w", err)
		}
		d.Event.Created = created
	}
	d.ID = findingID(f.ID, updated)
	d.Event.ID = d.ID
	d.Event.Kind = "alert"
	d.Event.Type = typeInfo
	d.Event.Provider = "securityhub"
	d.Event.Severity = asffSeverity(f.Severity.Label, f.Severity.Normalized)
	switch f.Compliance.Status {
	case "":
		d.Event.Category = categoryThreat
	case "PASSED":
		d.Event.Category, d.Event.Outcome = categoryConfiguration, "success"
	case "FAILED":
		d.Event.Category, d.Event.Outcome = categoryConfiguration, "failure"
	default:
		d.Event.Category, d.Event.Outcome = categoryConfiguration, "unknown"
	}

	var pf shProductFields
	if len(f.ProductFields) > 0 {
		_ = json.Unmarshal(f.ProductFields, &pf) // free-form: best effort
	}
	d.Observer.Vendor = firstNonEmpty(f.CompanyName, pf.CompanyName)
	d.Observer.Product = firstNonEmpty(f.ProductName, pf.ProductName)
	d.Observer.Type = "finding"

	d.Rule.ID = firstNonEmpty(f.Compliance.SecurityControlID, f.GeneratorID)
	d.Rule.Name = f.Title
	d.Rule.Description = f.Description
	d.Rule.Ruleset = firstNonEmpty(pf.StandardsArn, pf.StandardsGuideArn)
	if d.Rule.Ruleset == "" && len(f.Compliance.AssociatedStandards) > 0 {
		d.Rule.Ruleset = f.Compliance.AssociatedStandards[0].StandardsID
	}
	if len(f.Types) > 0 {
		d.Rule.Category = f.Types[0]
	}

	if f.AwsAccountID != "" {
		d.Cloud.AccountID = f.AwsAccountID
	}
	d.Cloud.AccountName = f.AwsAccountName
	region := f.Region
	if region == "" && len(f.Resources) > 0 {
		var rs []shResourceRegion
		if json.Unmarshal(f.Resources, &rs) == nil && len(rs) > 0 {
			region = rs[0].Region
		}
	}
	if region != "" {
		d.Cloud.Region = region
	}

	if len(f.Network) > 0 {
		var n shNetwork
		_ = json.Unmarshal(f.Network, &n)
		addRelatedIP(d, setEndpoint(&d.Source, firstNonEmpty(n.SourceIPV4, n.SourceIPV6)))
		d.Source.Port = n.SourcePort
		d.Source.Domain = n.SourceDomain
		addRelatedIP(d, setEndpoint(&d.Destination, firstNonEmpty(n.DestinationIPV4, n.DestinationIPV6)))
		d.Destination.Port = n.DestinationPort
		d.Network.Transport = strings.ToLower(n.Protocol)
		switch n.Direction {
		case "IN":
			d.Network.Direction = "ingress"
		case "OUT":
			d.Network.Direction = "egress"
		}
	}
	if len(f.Action) > 0 {
		var a shAction
		_ = json.Unmarshal(f.Action, &a)
		d.Event.Action = a.ActionType
		if d.Source.IP == "" && d.Source.Address == "" {
			ip := firstNonEmpty(a.AwsAPICallAction.RemoteIPDetails.IPAddressV4, a.NetworkConnectionAction.RemoteIPDetails.IPAddressV4)
			if ip == "" && len(a.PortProbeAction.PortProbeDetails) > 0 {
				ip = a.PortProbeAction.PortProbeDetails[0].RemoteIPDetails.IPAddressV4
			}
			addRelatedIP(d, setEndpoint(&d.Source, ip))
		}
		d.DNS.QuestionName = strings.TrimSuffix(a.DNSRequestAction.Domain, ".")
	}
	d.Network.Type = ipNetworkType(firstNonEmpty(d.Source.IP, d.Destination.IP))
	return nil
}

// asffSeverity is event.severity of an ASFF finding (see the file comment).
func asffSeverity(label string, normalized *int64) int64 {
	lo, hi := int64(-1), int64(-1)
	switch strings.ToUpper(label) {
	case "INFORMATIONAL":
		lo, hi = 0, 0
	case "LOW":
		lo, hi = 1, 39
	case "MEDIUM":
		lo, hi = 40, 69
	case "HIGH":
		lo, hi = 70, 89
	case "CRITICAL":
		lo, hi = 90, 100
	}
	switch {
	case lo < 0 && normalized != nil:
		return *normalized
	case lo < 0:
		return 0
	case normalized != nil && *normalized >= lo && *normalized <= hi:
		return *normalized
	}
	return lo
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// findingMessage maps one EventBridge event delivered to a CloudWatch log
// group (the message of one log event) into d, which the CloudWatch Logs
// router has pre-filled: a GuardDuty finding event (d.Type "guardduty") or a
// Security Hub findings event with exactly one finding (d.Type
// "securityhub"); see the note at the top of this file.
func findingMessage(msg []byte, d *ecs.Document) error {
	var env eventBridgeEnvelope
	if err := json.Unmarshal(msg, &env); err != nil {
		return fmt.Errorf("finding event: %w", err)
	}
	switch env.Source {
	case "aws.guardduty":
		d.Type = "guardduty"
		d.Event.Dataset = "aws.guardduty"
		err := mapGuardDutyRecord(d, newAWSObject("guardduty"), msg, &env)
		if errors.Is(err, errSkipStatusEvent) {
			return fmt.Errorf("GuardDuty event %q is not a finding", env.DetailType)
		}
		return err
	case "aws.securityhub":
		findings, skip, err := securityHubEventFindings(&env)
		if err != nil {
			return err
		}
		if skip != "" {
			return fmt.Errorf("Security Hub event %q holds no findings", env.DetailType)
		}
		if len(findings) != 1 {
			return fmt.Errorf("Security Hub event holds %d findings; one log event maps to one document, so only single-finding events can be routed here", len(findings))
		}
		d.Type = "securityhub"
		d.Event.Dataset = "aws.securityhub"
		return mapSecurityHubFinding(d, newAWSObject("securityhub"), findings[0], &env)
	case "":
		return errors.New("message is not an EventBridge event (no source)")
	}
	return fmt.Errorf("EventBridge event from %q is neither GuardDuty nor Security Hub", env.Source)
}
