package sources

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/smithy-go"
)

// ec2Server speaks the EC2 Query protocol (form-encoded POST, Action and
// Version=2016-11-15; XML answers in the 2016-11-15 namespace; errors as
// <Response><Errors><Error><Code>, HTTP 400), as the SDK's serializers and
// deserializers expect, for DescribeVpcs, DescribeFlowLogs and
// CreateFlowLogs. Behaviours from the Amazon EC2 API Reference:
//   - DescribeVpcs: VpcId.N of an unknown VPC → InvalidVpcID.NotFound;
//     MaxResults 5..1000, NextToken pages; a VPC shared by another account
//     is listed with that account as ownerId (VPC User Guide, "Share your
//     VPC with other accounts").
//   - DescribeFlowLogs: Filter resource-id.
//   - CreateFlowLogs: LogDestination for s3 is a bucket ARN with an optional
//     subfolder, which cannot be "AWSLogs"; LogFormat is ${field} names
//     separated by spaces, each an available field; MaxAggregationInterval
//     is 60 or 600; a flow log of the same resource, traffic type and
//     destination makes the resource Unsuccessful with FlowLogAlreadyExists
//     (the request itself succeeds).
type ec2Server struct {
	mu       sync.Mutex
	vpcs     []fakeVPC
	flowLogs []fakeFlowLog
	calls    map[string]int
	pageSize int
	next     int
}

type fakeVPC struct{ ID, Owner string }

type fakeFlowLog struct {
	ID, Resource, Traffic, DestType, Dest, Group, Format string
	Interval                                             int
	Tags                                                 map[string]string
}

var knownFlowFields = map[string]bool{}

func init() {
	// Every field of the VPC User Guide's table (versions 2 to 8).
	for _, f := range strings.Fields(`version account-id interface-id srcaddr dstaddr srcport dstport protocol
	packets bytes start end action log-status vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr
	region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path
	ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn ecs-container-instance-id ecs-container-id
	ecs-second-container-id ecs-service-name ecs-task-definition-arn ecs-task-arn ecs-task-id reject-reason`) {
		knownFlowFields[f] = true
	}
}

func newEC2Server(t *testing.T, account string) (*ec2Server, *ec2.Client) {
	t.Helper()
	s := &ec2Server{calls: map[string]int{}, pageSize: 1000}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	c := ec2.NewFromConfig(aws.Config{
		Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
	})
	return s, c
}

type ec2Error struct {
	XMLName xml.Name `xml:"Response"`
	Code    string   `xml:"Errors>Error>Code"`
	Message string   `xml:"Errors>Error>Message"`
	Request string   `xml:"RequestID"`
}

func (s *ec2Server) fail(w http.ResponseWriter, code, msg string) {
	w.WriteHeader(http.StatusBadRequest)
	b, _ := xml.Marshal(ec2Error{Code: code, Message: msg, Request: "req-1"})
	w.Write(b)
}

func (s *ec2Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		s.fail(w, "InvalidRequest", "not a form POST")
		return
	}
	f := r.PostForm
	if f.Get("Version") != "2016-11-15" {
		s.fail(w, "InvalidParameterValue", "Version "+f.Get("Version"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	action := f.Get("Action")
	s.calls[action]++
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	var body string
	switch action {
	case "DescribeVpcs":
		var ids []string
		for i := 1; f.Has(fmt.Sprintf("VpcId.%d", i)); i++ {
			ids = append(ids, f.Get(fmt.Sprintf("VpcId.%d", i)))
		}
		var list []fakeVPC
		if len(ids) > 0 {
			for _, id := range ids {
				found := false
				for _, v := range s.vpcs {
					if v.ID == id {
						list, found = append(list, v), true
					}
				}
				if !found {
					s.fail(w, "InvalidVpcID.NotFound", "The vpc ID '"+id+"' does not exist")
					return
				}
			}
		} else {
			start := 0
			if tok := f.Get("NextToken"); tok != "" {
				start, _ = strconv.Atoi(tok)
			}
			end := min(start+s.pageSize, len(s.vpcs))
			list = s.vpcs[start:end]
			if end < len(s.vpcs) {
				body += "<nextToken>" + strconv.Itoa(end) + "</nextToken>"
			}
		}
		body += "<vpcSet>"
		for _, v := range list {
			body += "<item><vpcId>" + v.ID + "</vpcId><ownerId>" + v.Owner + "</ownerId><state>available</state><cidrBlock>10.0.0.0/16</cidrBlock><isDefault>false</isDefault></item>"
		}
		body += "</vpcSet>"
	case "DescribeFlowLogs":
		var want string
		for i := 1; f.Has(fmt.Sprintf("Filter.%d.Name", i)); i++ {
			if f.Get(fmt.Sprintf("Filter.%d.Name", i)) == "resource-id" {
				want = f.Get(fmt.Sprintf("Filter.%d.Value.1", i))
			}
		}
		body = "<flowLogSet>"
		for _, fl := range s.flowLogs {
			if want != "" && fl.Resource != want {
				continue
			}
			body += "<item><flowLogId>" + fl.ID + "</flowLogId><resourceId>" + fl.Resource + "</resourceId><trafficType>" + fl.Traffic +
				"</trafficType><logDestinationType>" + fl.DestType + "</logDestinationType><flowLogStatus>ACTIVE</flowLogStatus>"
			if fl.Dest != "" {
				body += "<logDestination>" + fl.Dest + "</logDestination>"
			}
			if fl.Group != "" {
				body += "<logGroupName>" + fl.Group + "</logGroupName>"
			}
			body += "</item>"
		}
		body += "</flowLogSet>"
	case "CreateFlowLogs":
		b, code, msg := s.create(f)
		if code != "" {
			s.fail(w, code, msg)
			return
		}
		body = b
	default:
		s.fail(w, "InvalidAction", "The action "+action+" is not valid for this web service.")
		return
	}
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><%sResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-1</requestId>%s</%sResponse>`, action, body, action)
}

var reS3Dest = regexp.MustCompile(`^arn:aws:s3:::[a-z0-9.-]{3,63}(/.*)?$`)
var reFormat = regexp.MustCompile(`^\$\{([a-z0-9-]+)\}$`)

func (s *ec2Server) create(f map[string][]string) (body, code, msg string) {
	get := func(k string) string {
		if v := f[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	if get("ResourceType") != "VPC" || get("ResourceId.1") == "" {
		return "", "InvalidParameter", "ResourceType VPC with ResourceId.1 expected by this fake"
	}
	destType, dest := get("LogDestinationType"), get("LogDestination")
	if destType == "s3" {
		m := reS3Dest.FindStringSubmatch(dest)
		if m == nil {
			return "", "InvalidParameter", "LogDestination " + dest + " is not an S3 bucket ARN"
		}
		if sub := strings.Trim(m[1], "/"); sub == "AWSLogs" || strings.HasPrefix(sub, "AWSLogs/") {
			return "", "InvalidParameter", "AWSLogs cannot be used as a subfolder"
		}
	}
	if v := get("MaxAggregationInterval"); v != "" && v != "60" && v != "600" {
		return "", "InvalidParameter", "MaxAggregationInterval must be 60 or 600"
	}
	format := get("LogFormat")
	for _, tok := range strings.Split(format, " ") {
		m := reFormat.FindStringSubmatch(tok)
		if m == nil || !knownFlowFields[m[1]] {
			return "", "InvalidParameter", "Unknown fields provided in LogFormat: " + tok
		}
	}
	res := get("ResourceId.1")
	for _, fl := range s.flowLogs {
		if fl.Resource == res && fl.Traffic == get("TrafficType") && fl.DestType == destType && fl.Dest == dest {
			return "<flowLogIdSet/><unsuccessful><item><resourceId>" + res + "</resourceId><error><code>FlowLogAlreadyExists</code><message>FlowLogAlreadyExists</message></error></item></unsuccessful>", "", ""
		}
	}
	tags := map[string]string{}
	for i := 1; get(fmt.Sprintf("TagSpecification.1.Tag.%d.Key", i)) != ""; i++ {
		tags[get(fmt.Sprintf("TagSpecification.1.Tag.%d.Key", i))] = get(fmt.Sprintf("TagSpecification.1.Tag.%d.Value", i))
	}
	s.next++
	id := fmt.Sprintf("fl-%017d", s.next)
	iv, _ := strconv.Atoi(get("MaxAggregationInterval"))
	s.flowLogs = append(s.flowLogs, fakeFlowLog{ID: id, Resource: res, Traffic: get("TrafficType"), DestType: destType, Dest: dest, Format: format, Interval: iv, Tags: tags})
	return "<flowLogIdSet><item>" + id + "</item></flowLogIdSet><unsuccessful/>", "", ""
}

func (s *ec2Server) flowLogsOf(vpc string) []fakeFlowLog {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []fakeFlowLog
	for _, fl := range s.flowLogs {
		if fl.Resource == vpc {
			out = append(out, fl)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// brokenEC2 answers every call as EC2 answers a caller without permission.
type brokenEC2 struct{}

func (brokenEC2) DescribeVpcs(context.Context, *ec2.DescribeVpcsInput, ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "UnauthorizedOperation", Message: "You are not authorized to perform this operation."}
}
func (brokenEC2) DescribeFlowLogs(context.Context, *ec2.DescribeFlowLogsInput, ...func(*ec2.Options)) (*ec2.DescribeFlowLogsOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "UnauthorizedOperation"}
}
func (brokenEC2) CreateFlowLogs(context.Context, *ec2.CreateFlowLogsInput, ...func(*ec2.Options)) (*ec2.CreateFlowLogsOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "UnauthorizedOperation"}
}
