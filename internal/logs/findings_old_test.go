package logs

// The encoding/json decoders of GuardDuty and Security Hub findings that
// guardduty.go and securityhub.go replaced, kept as the reference of the
// differential tests in findings_diff_test.go.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// oldEventBridgeEnvelope is an EventBridge event around a finding.
// https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
type oldEventBridgeEnvelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Account    string          `json:"account"`
	Time       string          `json:"time"`
	Region     string          `json:"region"`
	Detail     json.RawMessage `json:"detail"`
}

// metadata is the aws.<type>.eventbridge object (the envelope without its
// detail).
func (e *oldEventBridgeEnvelope) metadata() []byte {
	var o textObject
	o.reset()
	o.str("id", e.ID)
	o.str("detail-type", e.DetailType)
	o.str("source", e.Source)
	o.str("account", e.Account)
	o.str("time", e.Time)
	o.str("region", e.Region)
	o.str("version", e.Version)
	return o.bytes()
}

// oldGdFinding holds the typed fields of a GuardDuty finding (every declared
// non-flat aws.guardduty field, so a wrong JSON type is an error document).
type oldGdFinding struct {
	SchemaVersion string          `json:"schemaVersion"`
	AccountID     string          `json:"accountId"`
	Region        string          `json:"region"`
	Partition     string          `json:"partition"`
	ID            string          `json:"id"`
	Arn           string          `json:"arn"`
	Type          string          `json:"type"`
	Title         string          `json:"title"`
	Description   string          `json:"description"`
	Severity      *float64        `json:"severity"`
	Confidence    *float64        `json:"confidence"`
	CreatedAt     string          `json:"createdAt"`
	UpdatedAt     string          `json:"updatedAt"`
	Resource      json.RawMessage `json:"resource"`
	Service       json.RawMessage `json:"service"`
}

// oldGdService is the part of service the ECS mapping reads (best effort:
// service is free-form).
type oldGdService struct {
	Archived       *bool `json:"archived"`
	AdditionalInfo struct {
		Sample json.RawMessage `json:"sample"`
	} `json:"additionalInfo"`
	Action struct {
		ActionType       string `json:"actionType"`
		AwsAPICallAction *struct {
			API             string         `json:"api"`
			RemoteIPDetails *oldGdRemoteIP `json:"remoteIpDetails"`
		} `json:"awsApiCallAction"`
		NetworkConnectionAction *struct {
			ConnectionDirection string         `json:"connectionDirection"`
			Protocol            string         `json:"protocol"`
			RemoteIPDetails     *oldGdRemoteIP `json:"remoteIpDetails"`
			LocalIPDetails      *oldGdRemoteIP `json:"localIpDetails"`
			RemotePortDetails   struct {
				Port int64 `json:"port"`
			} `json:"remotePortDetails"`
			LocalPortDetails struct {
				Port int64 `json:"port"`
			} `json:"localPortDetails"`
		} `json:"networkConnectionAction"`
		KubernetesAPICallAction *struct {
			RemoteIPDetails *oldGdRemoteIP `json:"remoteIpDetails"`
		} `json:"kubernetesApiCallAction"`
		RDSLoginAttemptAction *struct {
			RemoteIPDetails *oldGdRemoteIP `json:"remoteIpDetails"`
		} `json:"rdsLoginAttemptAction"`
		PortProbeAction *struct {
			PortProbeDetails []struct {
				RemoteIPDetails  *oldGdRemoteIP `json:"remoteIpDetails"`
				LocalPortDetails struct {
					Port int64 `json:"port"`
				} `json:"localPortDetails"`
			} `json:"portProbeDetails"`
		} `json:"portProbeAction"`
		DNSRequestAction *struct {
			Domain string `json:"domain"`
		} `json:"dnsRequestAction"`
	} `json:"action"`
}

// oldGdRemoteIP is remoteIpDetails / localIpDetails.
type oldGdRemoteIP struct {
	IPAddressV4 string `json:"ipAddressV4"`
	IPAddressV6 string `json:"ipAddressV6"`
	Country     struct {
		CountryCode string `json:"countryCode"`
		CountryName string `json:"countryName"`
	} `json:"country"`
	City struct {
		CityName string `json:"cityName"`
	} `json:"city"`
	GeoLocation *struct {
		Lat float64 `json:"lat"`
		Lon float64 `json:"lon"`
	} `json:"geoLocation"`
	Organization struct {
		ASN    string `json:"asn"`
		ASNOrg string `json:"asnOrg"`
	} `json:"organization"`
}

// oldGdResource is the part of resource the ECS mapping reads (best effort).
type oldGdResource struct {
	AccessKeyDetails struct {
		UserName    string `json:"userName"`
		PrincipalID string `json:"principalId"`
	} `json:"accessKeyDetails"`
	InstanceDetails struct {
		InstanceID string `json:"instanceId"`
	} `json:"instanceDetails"`
}

var (
	oldCategoryThreat        = []string{"threat"}
	oldCategoryConfiguration = []string{"configuration"}
	oldTypeInfo              = []string{"info"}
)

// oldErrSkipStatusEvent marks an EventBridge event of a finding source that is
// not a finding.
var oldErrSkipStatusEvent = errors.New("not a finding event")

// oldFindingParser keeps what is reused across the records of an object.
type oldFindingParser struct {
	aws *awsObject
}

func oldParseGuardDuty(in *Input, out *Output) error {
	p := &oldFindingParser{aws: newAWSObject("guardduty")}
	return readJSONRecords(in, out, true, p.oldGuardDutyRecord, nil)
}

func (p *oldFindingParser) oldGuardDutyRecord(out *Output, raw []byte, line int64) error {
	var env oldEventBridgeEnvelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	d := out.Doc()
	err := oldMapGuardDutyRecord(d, p.aws, raw, &env)
	if errors.Is(err, oldErrSkipStatusEvent) {
		out.Skip("guardduty-status-event")
		return nil
	}
	if err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	return out.Emit(d)
}

// oldMapGuardDutyRecord maps a raw finding or a GuardDuty EventBridge event
// (env is raw decoded as an envelope) into d, and sets d.AWS from w.
func oldMapGuardDutyRecord(d *ecs.Document, w *awsObject, raw []byte, env *oldEventBridgeEnvelope) error {
	w.reset()
	finding := raw
	if env.DetailType != "" {
		if env.Source != "aws.guardduty" {
			return fmt.Errorf("EventBridge event from %q (%s) is not a GuardDuty finding", env.Source, env.DetailType)
		}
		if env.DetailType != "GuardDuty Finding" {
			return oldErrSkipStatusEvent
		}
		if len(env.Detail) == 0 || trimJSONSpace(env.Detail)[0] != '{' {
			return errors.New("GuardDuty Finding event has no detail object")
		}
		finding = env.Detail
		w.extra("eventbridge", env.metadata())
		// The event's account and region; the finding's own win below.
		setCloudDefaults(d, env.Account, env.Region)
	}
	var f oldGdFinding
	if err := json.Unmarshal(finding, &f); err != nil {
		return err
	}
	if err := oldMapGuardDuty(d, &f, w); err != nil {
		return err
	}
	d.AWS = w.build(finding)
	return nil
}

func oldMapGuardDuty(d *ecs.Document, f *oldGdFinding, w *awsObject) error {
	if f.ID == "" {
		return errors.New("finding has no id")
	}
	if f.UpdatedAt == "" {
		return errors.New("finding has no updatedAt")
	}
	updated, err := parseJSONTime(f.UpdatedAt)
	if err != nil {
		return fmt.Errorf("updatedAt: %w", err)
	}
	d.Timestamp = updated
	if f.CreatedAt != "" {
		created, err := parseJSONTime(f.CreatedAt)
		if err != nil {
			return fmt.Errorf("createdAt: %w", err)
		}
		d.Event.Created = created
	}
	d.ID = findingID(f.ID, updated)
	d.Event.ID = d.ID
	d.Event.Kind = "alert"
	d.Event.Category = oldCategoryThreat
	d.Event.Type = oldTypeInfo
	d.Event.Provider = "guardduty"
	if f.Severity != nil {
		d.Event.Severity = int64(math.Round(*f.Severity * 10))
	}
	d.Rule.Name = f.Type
	d.Rule.ID = f.Type
	if i := strings.IndexByte(f.Type, ':'); i > 0 {
		d.Rule.Category = f.Type[:i]
	}
	d.Rule.Description = f.Title
	d.Message = f.Description
	d.Observer = ecs.Observer{Vendor: "AWS", Product: "GuardDuty", Type: "ids"}
	if f.AccountID != "" {
		d.Cloud.AccountID = f.AccountID
	}
	if f.Region != "" {
		d.Cloud.Region = f.Region
	}

	var svc oldGdService
	if len(f.Service) > 0 {
		_ = json.Unmarshal(f.Service, &svc) // free-form: a field of another type only loses its ECS copy
	}
	sample := string(svc.AdditionalInfo.Sample) == "true"
	w.extra("sample", jsonBool(sample))
	w.extra("archived", jsonBool(svc.Archived != nil && *svc.Archived))
	oldMapGuardDutyAction(d, &svc)

	var res oldGdResource
	if len(f.Resource) > 0 {
		_ = json.Unmarshal(f.Resource, &res)
	}
	d.User.Name = res.AccessKeyDetails.UserName
	d.User.ID = res.AccessKeyDetails.PrincipalID
	d.Cloud.InstanceID = res.InstanceDetails.InstanceID
	if d.User.Name != "" {
		d.Related.User = append(d.Related.User, d.User.Name)
	}
	return nil
}

func oldMapGuardDutyAction(d *ecs.Document, svc *oldGdService) {
	a := &svc.Action
	d.Event.Action = a.ActionType
	var remote *oldGdRemoteIP
	switch {
	case a.AwsAPICallAction != nil:
		remote = a.AwsAPICallAction.RemoteIPDetails
	case a.NetworkConnectionAction != nil:
		n := a.NetworkConnectionAction
		d.Network.Transport = strings.ToLower(n.Protocol)
		if strings.EqualFold(n.ConnectionDirection, "OUTBOUND") {
			oldSetRemoteIP(d, &d.Destination, n.RemoteIPDetails)
			d.Destination.Port = n.RemotePortDetails.Port
			oldSetRemoteIP(d, &d.Source, n.LocalIPDetails)
			d.Source.Port = n.LocalPortDetails.Port
			d.Network.Direction = "egress"
			return
		}
		remote = n.RemoteIPDetails
		d.Source.Port = n.RemotePortDetails.Port
		oldSetRemoteIP(d, &d.Destination, n.LocalIPDetails)
		d.Destination.Port = n.LocalPortDetails.Port
		if strings.EqualFold(n.ConnectionDirection, "INBOUND") {
			d.Network.Direction = "ingress"
		}
	case a.KubernetesAPICallAction != nil:
		remote = a.KubernetesAPICallAction.RemoteIPDetails
	case a.RDSLoginAttemptAction != nil:
		remote = a.RDSLoginAttemptAction.RemoteIPDetails
	case a.PortProbeAction != nil && len(a.PortProbeAction.PortProbeDetails) > 0:
		pd := a.PortProbeAction.PortProbeDetails[0]
		remote = pd.RemoteIPDetails
		d.Destination.Port = pd.LocalPortDetails.Port
		d.Network.Direction = "ingress"
	case a.DNSRequestAction != nil:
		d.DNS.QuestionName = strings.TrimSuffix(a.DNSRequestAction.Domain, ".")
	}
	oldSetRemoteIP(d, &d.Source, remote)
}

// oldSetRemoteIP fills e (ip, geo, AS) from GuardDuty IP details.
func oldSetRemoteIP(d *ecs.Document, e *ecs.Endpoint, r *oldGdRemoteIP) {
	if r == nil {
		return
	}
	ip := r.IPAddressV4
	if ip == "" {
		ip = r.IPAddressV6
	}
	addRelatedIP(d, setEndpoint(e, ip))
	if d.Network.Type == "" {
		d.Network.Type = ipNetworkType(e.IP)
	}
	if r.Country.CountryCode != "" || r.Country.CountryName != "" || r.City.CityName != "" || r.GeoLocation != nil {
		g := &ecs.Geo{CountryISOCode: r.Country.CountryCode, CountryName: r.Country.CountryName, CityName: r.City.CityName}
		if r.GeoLocation != nil {
			g.Lat, g.Lon = r.GeoLocation.Lat, r.GeoLocation.Lon
		}
		e.Geo = g
	}
	if n, err := strconv.ParseInt(r.Organization.ASN, 10, 64); err == nil || r.Organization.ASNOrg != "" {
		e.AS = &ecs.AS{Number: n, Organization: r.Organization.ASNOrg}
	}
}

// oldShFinding holds the typed fields of an ASFF finding (every declared
// non-flat aws.securityhub field, so a wrong JSON type is an error document).
type oldShFinding struct {
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

// oldShProductFields are the ProductFields keys the mapping reads (best effort:
// ProductFields is free-form).
type oldShProductFields struct {
	ProductName       string `json:"aws/securityhub/ProductName"`
	CompanyName       string `json:"aws/securityhub/CompanyName"`
	StandardsArn      string `json:"StandardsArn"`
	StandardsGuideArn string `json:"StandardsGuideArn"`
}

// oldShNetwork is the part of Network the mapping reads.
type oldShNetwork struct {
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

// oldShAction is the part of Action the mapping reads.
type oldShAction struct {
	ActionType       string `json:"ActionType"`
	AwsAPICallAction struct {
		RemoteIPDetails oldShRemoteIP `json:"RemoteIpDetails"`
	} `json:"AwsApiCallAction"`
	NetworkConnectionAction struct {
		ConnectionDirection string        `json:"ConnectionDirection"`
		RemoteIPDetails     oldShRemoteIP `json:"RemoteIpDetails"`
	} `json:"NetworkConnectionAction"`
	PortProbeAction struct {
		PortProbeDetails []struct {
			RemoteIPDetails oldShRemoteIP `json:"RemoteIpDetails"`
		} `json:"PortProbeDetails"`
	} `json:"PortProbeAction"`
	DNSRequestAction struct {
		Domain string `json:"Domain"`
	} `json:"DnsRequestAction"`
}

type oldShRemoteIP struct {
	IPAddressV4 string `json:"IpAddressV4"`
}

// oldShResourceRegion reads the first resource's region.
type oldShResourceRegion struct {
	Region string `json:"Region"`
}

// oldShEventDetail is detail of a Security Hub findings event.
type oldShEventDetail struct {
	Findings []json.RawMessage `json:"findings"`
}

func oldParseSecurityHub(in *Input, out *Output) error {
	p := &oldFindingParser{aws: newAWSObject("securityhub")}
	return readJSONRecords(in, out, true, p.oldSecurityHubRecord, nil)
}

func (p *oldFindingParser) oldSecurityHubRecord(out *Output, raw []byte, line int64) error {
	var env oldEventBridgeEnvelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	if env.DetailType == "" {
		return p.oldSecurityHubFinding(out, raw, nil, line, 0)
	}
	findings, skip, err := oldSecurityHubEventFindings(&env)
	switch {
	case skip != "":
		out.Skip(skip)
		return nil
	case err != nil:
		return out.Fail(raw, lineError(line, err))
	}
	for i, f := range findings {
		if err := p.oldSecurityHubFinding(out, f, &env, line, i); err != nil {
			return err
		}
	}
	return nil
}

// oldSecurityHubEventFindings returns the findings of a Security Hub
// EventBridge event, or the skip reason for events that hold none.
func oldSecurityHubEventFindings(env *oldEventBridgeEnvelope) (findings []json.RawMessage, skip string, err error) {
	if env.Source != "aws.securityhub" {
		return nil, "", fmt.Errorf("EventBridge event from %q (%s) is not a Security Hub event", env.Source, env.DetailType)
	}
	switch {
	case env.DetailType == "Security Hub Insight Results":
		return nil, "securityhub-insight-results", nil
	case !strings.HasPrefix(env.DetailType, "Security Hub Findings - "):
		return nil, "", fmt.Errorf("Security Hub detail-type %q is not an ASFF findings event", env.DetailType)
	}
	var det oldShEventDetail
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

func (p *oldFindingParser) oldSecurityHubFinding(out *Output, raw []byte, env *oldEventBridgeEnvelope, line int64, index int) error {
	d := out.Doc()
	if err := oldMapSecurityHubFinding(d, p.aws, raw, env); err != nil {
		if env != nil {
			err = fmt.Errorf("finding %d: %w", index, err)
		}
		return out.Fail(raw, lineError(line, err))
	}
	return out.Emit(d)
}

// oldMapSecurityHubFinding maps one ASFF finding (raw, from env when it came in
// an event) into d and sets d.AWS from w.
func oldMapSecurityHubFinding(d *ecs.Document, w *awsObject, raw []byte, env *oldEventBridgeEnvelope) error {
	raw = trimJSONSpace(raw)
	if len(raw) == 0 || raw[0] != '{' {
		return errors.New("finding is not a JSON object")
	}
	var f oldShFinding
	if err := json.Unmarshal(raw, &f); err != nil {
		return err
	}
	w.reset()
	if env != nil {
		w.extra("eventbridge", env.metadata())
		// The event's account and region; the finding's own win below.
		setCloudDefaults(d, env.Account, env.Region)
	}
	if err := oldMapSecurityHub(d, &f); err != nil {
		return err
	}
	d.AWS = w.build(raw)
	return nil
}

func oldMapSecurityHub(d *ecs.Document, f *oldShFinding) error {
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
	d.Event.Type = oldTypeInfo
	d.Event.Provider = "securityhub"
	d.Event.Severity = oldAsffSeverity(f.Severity.Label, f.Severity.Normalized)
	switch f.Compliance.Status {
	case "":
		d.Event.Category = oldCategoryThreat
	case "PASSED":
		d.Event.Category, d.Event.Outcome = oldCategoryConfiguration, "success"
	case "FAILED":
		d.Event.Category, d.Event.Outcome = oldCategoryConfiguration, "failure"
	default:
		d.Event.Category, d.Event.Outcome = oldCategoryConfiguration, "unknown"
	}

	var pf oldShProductFields
	if len(f.ProductFields) > 0 {
		_ = json.Unmarshal(f.ProductFields, &pf) // free-form: best effort
	}
	d.Observer.Vendor = oldFirstNonEmpty(f.CompanyName, pf.CompanyName)
	d.Observer.Product = oldFirstNonEmpty(f.ProductName, pf.ProductName)
	d.Observer.Type = "finding"

	d.Rule.ID = oldFirstNonEmpty(f.Compliance.SecurityControlID, f.GeneratorID)
	d.Rule.Name = f.Title
	d.Rule.Description = f.Description
	d.Rule.Ruleset = oldFirstNonEmpty(pf.StandardsArn, pf.StandardsGuideArn)
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
		var rs []oldShResourceRegion
		if json.Unmarshal(f.Resources, &rs) == nil && len(rs) > 0 {
			region = rs[0].Region
		}
	}
	if region != "" {
		d.Cloud.Region = region
	}

	if len(f.Network) > 0 {
		var n oldShNetwork
		_ = json.Unmarshal(f.Network, &n)
		addRelatedIP(d, setEndpoint(&d.Source, oldFirstNonEmpty(n.SourceIPV4, n.SourceIPV6)))
		d.Source.Port = n.SourcePort
		d.Source.Domain = n.SourceDomain
		addRelatedIP(d, setEndpoint(&d.Destination, oldFirstNonEmpty(n.DestinationIPV4, n.DestinationIPV6)))
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
		var a oldShAction
		_ = json.Unmarshal(f.Action, &a)
		d.Event.Action = a.ActionType
		if d.Source.IP == "" && d.Source.Address == "" {
			ip := oldFirstNonEmpty(a.AwsAPICallAction.RemoteIPDetails.IPAddressV4, a.NetworkConnectionAction.RemoteIPDetails.IPAddressV4)
			if ip == "" && len(a.PortProbeAction.PortProbeDetails) > 0 {
				ip = a.PortProbeAction.PortProbeDetails[0].RemoteIPDetails.IPAddressV4
			}
			addRelatedIP(d, setEndpoint(&d.Source, ip))
		}
		d.DNS.QuestionName = strings.TrimSuffix(a.DNSRequestAction.Domain, ".")
	}
	d.Network.Type = ipNetworkType(oldFirstNonEmpty(d.Source.IP, d.Destination.IP))
	return nil
}

// oldAsffSeverity is event.severity of an ASFF finding (see the file comment).
func oldAsffSeverity(label string, normalized *int64) int64 {
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

func oldFirstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// oldFindingMessage maps one EventBridge event delivered to a CloudWatch log
// group (the message of one log event) into d, which the CloudWatch Logs
// router has pre-filled: a GuardDuty finding event (d.Type "guardduty") or a
// Security Hub findings event with exactly one finding (d.Type
// "securityhub"); see the note at the top of this file.
func oldFindingMessage(msg []byte, d *ecs.Document) error {
	var env oldEventBridgeEnvelope
	if err := json.Unmarshal(msg, &env); err != nil {
		return fmt.Errorf("finding event: %w", err)
	}
	switch env.Source {
	case "aws.guardduty":
		d.Type = "guardduty"
		d.Event.Dataset = "aws.guardduty"
		err := oldMapGuardDutyRecord(d, newAWSObject("guardduty"), msg, &env)
		if errors.Is(err, oldErrSkipStatusEvent) {
			return fmt.Errorf("GuardDuty event %q is not a finding", env.DetailType)
		}
		return err
	case "aws.securityhub":
		findings, skip, err := oldSecurityHubEventFindings(&env)
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
		return oldMapSecurityHubFinding(d, newAWSObject("securityhub"), findings[0], &env)
	case "":
		return errors.New("message is not an EventBridge event (no source)")
	}
	return fmt.Errorf("EventBridge event from %q is neither GuardDuty nor Security Hub", env.Source)
}
