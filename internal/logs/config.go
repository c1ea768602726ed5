package logs

// AWS Config configuration item changes and rule compliance changes, as
// the EventBridge events AWS Config emits (source aws.config), one event
// per record
// (https://docs.aws.amazon.com/config/latest/developerguide/monitor-config-with-cloudwatchevents.html;
// the detail is the notification AWS Config also sends to SNS,
// https://docs.aws.amazon.com/config/latest/developerguide/example-sns-notification.html).
// They arrive like the GuardDuty and Security Hub events: an EventBridge
// rule delivers them through Firehose to the typed prefix config/ (JSON
// lines or concatenated), or to a CloudWatch Logs group /aws/events/<name>
// that the operator routes as RouteFinding (findingMessage dispatches on
// the event's source).
//
//   - detail-type "Config Configuration Item Change" (messageType
//     ConfigurationItemChangeNotification): event.kind state, category
//     configuration, event.action configuration-item-change, event.type
//     from configurationItemDiff.changeType (CREATE creation, UPDATE
//     change, DELETE deletion; none: info);
//   - detail-type "Config Rules Compliance Change" (messageType
//     ComplianceChangeNotification): event.kind event, category
//     configuration, event.action compliance-change, event.type change,
//     rule.name configRuleName, rule.id configRuleARN, rule.ruleset "AWS
//     Config", event.outcome from newEvaluationResult.complianceType
//     (COMPLIANT success, NON_COMPLIANT failure, else none), message the
//     annotation;
//   - both: @timestamp the envelope time (else notificationCreationTime),
//     event.id and _id the envelope id, event.provider config.amazonaws.com,
//     cloud.account.id/region (the detail's awsAccountId/awsRegion, else
//     the envelope's; a claim, see trust.go), cloud.service.name config,
//     cloud.instance.id for AWS::EC2::Instance resources; the resource
//     type, id, name and ARN stay under aws.config.detail.
//
// Other aws.config detail types (Config Configuration Snapshot Delivery
// Status, ...) are operational notifications, skipped as
// "config-notification".

import (
	"cmp"
	"errors"
	"fmt"

	"github.com/orgsiem/orgsiem/internal/archive"
	"github.com/orgsiem/orgsiem/internal/ecs"
)

// The values of a Config event the mapping reads (slots of configShape).
const (
	cfgID = iota
	cfgDetailType
	cfgSource
	cfgAccount
	cfgTime
	cfgRegion
	cfgNotificationTime
	cfgChangeType
	cfgItemResourceType
	cfgItemResourceID
	cfgItemAccount
	cfgItemRegion
	cfgResourceType
	cfgResourceID
	cfgAccountID
	cfgRegionID
	cfgRuleName
	cfgRuleARN
	cfgNewCompliance
	cfgAnnotation
)

var configShape = newRecordShape(archive.TypeConfig, shapeSpec{
	lists: map[string]arity{"resources": listOf, "detail.configurationItem.relatedEvents": listOf},
	slots: []string{
		cfgID:               "id",
		cfgDetailType:       "detail-type",
		cfgSource:           "source",
		cfgAccount:          "account",
		cfgTime:             "time",
		cfgRegion:           "region",
		cfgNotificationTime: "detail.notificationCreationTime",
		cfgChangeType:       "detail.configurationItemDiff.changeType",
		cfgItemResourceType: "detail.configurationItem.resourceType",
		cfgItemResourceID:   "detail.configurationItem.resourceId",
		cfgItemAccount:      "detail.configurationItem.awsAccountId",
		cfgItemRegion:       "detail.configurationItem.awsRegion",
		cfgResourceType:     "detail.resourceType",
		cfgResourceID:       "detail.resourceId",
		cfgAccountID:        "detail.awsAccountId",
		cfgRegionID:         "detail.awsRegion",
		cfgRuleName:         "detail.configRuleName",
		cfgRuleARN:          "detail.configRuleARN",
		cfgNewCompliance:    "detail.newEvaluationResult.complianceType",
		cfgAnnotation:       "detail.newEvaluationResult.annotation",
	},
})

// The detail-type values mapped.
const (
	configItemChange       = "Config Configuration Item Change"
	configComplianceChange = "Config Rules Compliance Change"
)

// skipConfigNotification names the aws.config events that are not
// changes (delivery status notifications and the like).
const skipConfigNotification = "config-notification"

// errConfigNotification marks an aws.config event of another detail-type.
var errConfigNotification = errors.New("AWS Config event is neither a configuration item nor a compliance change")

type configParser struct {
	aws *awsObject
	rec shapeValues
}

func parseConfig(in *Input, out *Output) error {
	p := &configParser{aws: newAWSObject(archive.TypeConfig)}
	return readJSONRecords(in, out, false, p.record, nil)
}

func (p *configParser) record(out *Output, raw []byte, line int64) error {
	d := out.Doc()
	err := p.mapTo(raw, d)
	if errors.Is(err, errConfigNotification) {
		out.Skip(skipConfigNotification)
		return nil
	}
	if err != nil {
		return out.Fail(raw, lineError(line, err))
	}
	return out.Emit(d)
}

// configMessage maps one AWS Config event delivered through an EventBridge
// log group onto d.
func configMessage(msg []byte, d *ecs.Document) error {
	p := &configParser{aws: newAWSObject(archive.TypeConfig)}
	return p.mapTo(msg, d)
}

func (p *configParser) mapTo(raw []byte, d *ecs.Document) error {
	r := &p.rec
	if err := configShape.read(raw, r); err != nil {
		return err
	}
	str := func(slot int) string { return r.str(r.val(slot)) }
	if src := str(cfgSource); src != "aws.config" {
		return fmt.Errorf("EventBridge event source %q is not aws.config", src)
	}
	d.Type = archive.TypeConfig
	account, region := str(cfgAccount), str(cfgRegion)
	switch str(cfgDetailType) {
	case configItemChange:
		d.Event.Kind = "state"
		d.Event.Action = "configuration-item-change"
		switch str(cfgChangeType) {
		case "CREATE":
			d.Event.Type = typeCreation
		case "UPDATE":
			d.Event.Type = typeChange
		case "DELETE":
			d.Event.Type = typeDeletion
		default:
			d.Event.Type = typeInfo
		}
		account = cmp.Or(str(cfgItemAccount), account)
		region = cmp.Or(str(cfgItemRegion), region)
		if str(cfgItemResourceType) == "AWS::EC2::Instance" {
			d.Cloud.InstanceID = str(cfgItemResourceID)
		}
	case configComplianceChange:
		d.Event.Kind = "event"
		d.Event.Action = "compliance-change"
		d.Event.Type = typeChange
		d.Rule.Name = str(cfgRuleName)
		d.Rule.ID = str(cfgRuleARN)
		d.Rule.Ruleset = "AWS Config"
		switch str(cfgNewCompliance) {
		case "COMPLIANT":
			d.Event.Outcome = "success"
		case "NON_COMPLIANT":
			d.Event.Outcome = "failure"
		}
		d.Message = str(cfgAnnotation)
		account = cmp.Or(str(cfgAccountID), account)
		region = cmp.Or(str(cfgRegionID), region)
		if str(cfgResourceType) == "AWS::EC2::Instance" {
			d.Cloud.InstanceID = str(cfgResourceID)
		}
	default:
		return errConfigNotification
	}
	d.Event.Category = categoryConfiguration
	d.Event.Provider = "config.amazonaws.com"
	d.Cloud.ServiceName = "config"
	ts := cmp.Or(str(cfgTime), str(cfgNotificationTime))
	if ts == "" {
		return errors.New("AWS Config event has neither time nor detail.notificationCreationTime")
	}
	t, err := parseJSONTime(ts)
	if err != nil {
		return fmt.Errorf("time: %w", err)
	}
	d.Timestamp = t
	if id := str(cfgID); id != "" {
		d.Event.ID, d.ID = id, id
	}
	setCloudDefaults(d, account, region)
	p.aws.reset()
	d.AWS = p.aws.build(raw)
	return nil
}
