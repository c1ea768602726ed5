package logs

// Amazon GuardDuty findings.
// Finding format: https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings-format.html
// EventBridge:    https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html
// S3 export:      https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_exportfindings.html
//
// Delivery shapes, each record told apart by its keys:
//   - the GuardDuty S3 export: one raw finding per line (jsonl.gz);
//   - EventBridge events (detail-type "GuardDuty Finding", detail = the
//     finding), archived through Firehose one per line or back to back, or
//     put into a CloudWatch log group (see findingMessage in securityhub.go);
//   - API/CLI output saved as a JSON array of findings, or one
//     pretty-printed finding.
//
// A record with a "detail-type" key is an EventBridge event; other GuardDuty
// detail-types (runtime or malware protection status) are skipped as
// "guardduty-status-event"; events of other sources are error documents.
//
// ECS mapping: event.kind alert; @timestamp = updatedAt; event.created =
// createdAt; event.id and _id = id + "-" + updatedAt (RFC 3339, UTC), so an
// updated finding is a new document and a redelivery overwrites the same one
// (aws.guardduty.id keeps the finding id for grouping versions);
// event.severity = severity × 10 rounded (GuardDuty 0.1–10 onto the
// 0–100 scale of ASFF Severity.Normalized, whose bands it matches: 90+
// critical, 70–89 high, 40–69 medium, 1–39 low); rule.name = type, rule.category its threat
// purpose (the part before ':'), rule.description = title; cloud.* from
// accountId/region; source.ip (and geo, AS) from the remote IP of the action
// (destination for an OUTBOUND network connection); dns.question.name from a
// DNS_REQUEST action; user.name from resource.accessKeyDetails;
// cloud.instance.id from resource.instanceDetails; observer.product
// "GuardDuty".
//
// aws.guardduty is the finding; resource and service are flat_object.
// Added fields: sample (boolean, always written: true when
// service.additionalInfo.sample is true — GuardDuty's generated sample
// findings, still indexed as alerts so the pipeline can be tested, and
// excluded by detections with aws.guardduty.sample:false), archived
// (boolean, service.archived) and, for EventBridge events, eventbridge (id,
// time, source, account, region, detail-type of the envelope).

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/orgsiem/orgsiem/internal/ecs"
)

// eventBridgeEnvelope is an EventBridge event around a finding.
// https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
type eventBridgeEnvelope struct {
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
func (e *eventBridgeEnvelope) metadata() []byte {
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

// gdFinding holds the typed fields of a GuardDuty finding (every declared
// non-flat aws.guardduty field, so a wrong JSON type is an error document).
type gdFinding struct {
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

// gdService is the part of service the ECS mapping reads (best effort:
// service is free-form).
type gdService struct {
	Archived       *bool `json:"archived"`
	AdditionalInfo struct {
		Sample json.RawMessage `json:"sample"`
	} `json:"additionalInfo"`
	Action struct {
		ActionType       string `json:"actionType"`
		AwsAPICallAction *struct {
			API             string      `json:"api"`
			RemoteIPDetails *gdRemoteIP `json:"remoteIpDetails"`
		} `json:"awsApiCallAction"`
		NetworkConnectionAction *struct {
			ConnectionDirection string      `json:"connectionDirection"`
			Protocol            string      `json:"protocol"`
			RemoteIPDetails     *gdRemoteIP `json:"remoteIpDetails"`
			LocalIPDetails      *gdRemoteIP `json:"localIpDetails"`
			RemotePortDetails   struct {
				Port int64 `json:"port"`
			} `json:"remotePortDetails"`
			LocalPortDetails struct {
				Port int64 `json:"port"`
			} `json:"localPortDetails"`
		} `json:"networkConnectionAction"`
		KubernetesAPICallAction *struct {
			RemoteIPDetails *gdRemoteIP `json:"remoteIpDetails"`
		} `json:"kubernetesApiCallAction"`
		RDSLoginAttemptAction *struct {
			RemoteIPDetails *gdRemoteIP `json:"remoteIpDetails"`
		} `json:"rdsLoginAttemptAction"`
		PortProbeAction *struct {
			PortProbeDetails []struct {
				RemoteIPDetails  *gdRemoteIP `json:"remoteIpDetails"`
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

// gdRemoteIP is remoteIpDetails / localIpDetails.
type gdRemoteIP struct {
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

// gdResource is the part of resource the ECS mapping reads (best effort).
type gdResource struct {
	AccessKeyDetails struct {
		UserName    string `json:"userName"`
		PrincipalID string `json:"principalId"`
	} `json:"accessKeyDetails"`
	InstanceDetails struct {
		InstanceID string `json:"instanceId"`
	} `json:"instanceDetails"`
}

var (
	categoryThreat        = []string{"threat"}
	categoryConfiguration = []string{"configuration"}
	typeInfo              = []string{"info"}
)

// errSkipStatusEvent marks an EventBridge event of a finding source that is
// not a finding.
var errSkipStatusEvent = errors.New("not a finding event")

// findingParser keeps what is reused across the records of an object.
type findingParser struct {
	aws *awsObject
}

func parseGuardDuty(in *Input, out *Output) error {
	p := &findingParser{aws: newAWSObject("guardduty")}
	return readJSONRecords(in, out, true, p.guardDutyRecord, nil)
}

func (p *findingParser) guardDutyRecord(out *Output, raw []byte, line int64) error {
	var env eventBridgeEnvelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	d := out.Doc()
	err := mapGuardDutyRecord(d, p.aws, raw, &env)
	if errors.Is(err, errSkipStatusEvent) {
		out.Skip("guardduty-status-event")
		return nil
	}
	if err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	return out.Emit(d)
}

// mapGuardDutyRecord maps a raw finding or a GuardDuty EventBridge event
// (env is raw decoded as an envelope) into d, and sets d.AWS from w.
func mapGuardDutyRecord(d *ecs.Document, w *awsObject, raw []byte, env *eventBridgeEnvelope) error {
	w.reset()
	finding := raw
	if env.DetailType != "" {
		if env.Source != "aws.guardduty" {
			return fmt.Errorf("EventBridge event from %q (%s) is not a GuardDuty finding", env.Source, env.DetailType)
		}
		if env.DetailType != "GuardDuty Finding" {
			return errSkipStatusEvent
		}
		if len(env.Detail) == 0 || trimJSONSpace(env.Detail)[0] != '{' {
			return errors.New("GuardDuty Finding event has no detail object")
		}
		finding = env.Detail
		w.extra("eventbridge", env.metadata())
		// The event's account and region; the finding's own win below.
		setCloudDefaults(d, env.Account, env.Region)
	}
	var f gdFinding
	if err := json.Unmarshal(finding, &f); err != nil {
		return err
	}
	if err := mapGuardDuty(d, &f, w); err != nil {
		return err
	}
	d.AWS = w.build(finding)
	return nil
}

func mapGuardDuty(d *ecs.Document, f *gdFinding, w *awsObject) error {
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
	d.Event.Category = categoryThreat
	d.Event.Type = typeInfo
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

	var svc gdService
	if len(f.Service) > 0 {
		_ = json.Unmarshal(f.Service, &svc) // free-form: a field of another type only loses its ECS copy
	}
	sample := string(svc.AdditionalInfo.Sample) == "true"
	w.extra("sample", jsonBool(sample))
	w.extra("archived", jsonBool(svc.Archived != nil && *svc.Archived))
	mapGuardDutyAction(d, &svc)

	var res gdResource
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

func mapGuardDutyAction(d *ecs.Document, svc *gdService) {
	a := &svc.Action
	d.Event.Action = a.ActionType
	var remote *gdRemoteIP
	switch {
	case a.AwsAPICallAction != nil:
		remote = a.AwsAPICallAction.RemoteIPDetails
	case a.NetworkConnectionAction != nil:
		n := a.NetworkConnectionAction
		d.Network.Transport = strings.ToLower(n.Protocol)
		if strings.EqualFold(n.ConnectionDirection, "OUTBOUND") {
			setRemoteIP(d, &d.Destination, n.RemoteIPDetails)
			d.Destination.Port = n.RemotePortDetails.Port
			setRemoteIP(d, &d.Source, n.LocalIPDetails)
			d.Source.Port = n.LocalPortDetails.Port
			d.Network.Direction = "egress"
			return
		}
		remote = n.RemoteIPDetails
		d.Source.Port = n.RemotePortDetails.Port
		setRemoteIP(d, &d.Destination, n.LocalIPDetails)
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
	setRemoteIP(d, &d.Source, remote)
}

// setRemoteIP fills e (ip, geo, AS) from GuardDuty IP details.
func setRemoteIP(d *ecs.Document, e *ecs.Endpoint, r *gdRemoteIP) {
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
