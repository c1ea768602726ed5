// Package member is the member baseline: the CloudFormation template every
// account of the organization runs (the transfer and subscribe Lambdas, their
// roles and log groups, the CreateLogGroup rule, the sweep schedule and the
// first sweep, or the account-level subscription policy, and the alarm
// forwarder), generated from Go values, and the Pulumi component that
// distributes it: a service-managed StackSet with auto-deployment for member
// accounts and, from the same template value, a stack per region in the
// management account, which StackSets never deploy to.
package member

import (
	"encoding/json"
	"fmt"
)

// Template is the subset of the CloudFormation template format the baseline
// uses. Maps marshal with sorted keys, so the JSON is deterministic.
type Template struct {
	AWSTemplateFormatVersion string              `json:"AWSTemplateFormatVersion"`
	Description              string              `json:"Description,omitempty"`
	Resources                map[string]Resource `json:"Resources"`
	Outputs                  map[string]Output   `json:"Outputs,omitempty"`
}

// Resource is one resource of a Template.
type Resource struct {
	Type       string   `json:"Type"`
	DependsOn  []string `json:"DependsOn,omitempty"`
	Properties Props    `json:"Properties,omitempty"`
}

// Output is one output of a Template.
type Output struct {
	Description string `json:"Description,omitempty"`
	Value       any    `json:"Value"`
}

// Props are a resource's properties. Values are strings, numbers, booleans,
// Props, slices, policies.Document values or intrinsic functions.
type Props = map[string]any

// Ref is the Ref intrinsic (a resource's physical id or a pseudo parameter).
func Ref(name string) Props { return Props{"Ref": name} }

// GetAtt is the Fn::GetAtt intrinsic.
func GetAtt(resource, attribute string) Props {
	return Props{"Fn::GetAtt": []string{resource, attribute}}
}

// Sub is the Fn::Sub intrinsic (${AWS::Region}, ${Resource.Arn} ...).
func Sub(s string) Props { return Props{"Fn::Sub": s} }

// JSON renders the template.
func (t Template) JSON() (string, error) {
	b, err := json.MarshalIndent(t, "", " ")
	if err != nil {
		return "", fmt.Errorf("member: render template: %w", err)
	}
	return string(b), nil
}
