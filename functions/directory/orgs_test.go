package directory

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
)

// orgServer speaks the AWS Organizations JSON protocol (awsJson1_1: POST /
// with X-Amz-Target AWSOrganizationsV20161128.<Operation>, PascalCase
// members, errors as {"__type","message"} with HTTP 400) for one
// organization, with the documented paging (AWS Organizations API
// Reference): ListAccounts and ListParents take MaxResults "Valid Range:
// Minimum value of 1. Maximum value of 20" and return NextToken while more
// results exist; "Organizations might return fewer results than the maximum
// even when there are more results available. You should check NextToken
// after every operation" — the fake returns an empty first page to hold the
// code to that. "In the current release, a child can have only a single
// parent" (ListParents).
type orgServer struct {
	accounts []orgAccount
	ous      map[string]orgOU // by id
	tags     map[string][][2]string

	mu    sync.Mutex
	calls map[string]int
}

type orgAccount struct{ ID, Name, Email, Parent string }
type orgOU struct{ Name, Parent string }

func (s *orgServer) client(t testing.TB) *organizations.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	return organizations.New(organizations.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		Retryer:     aws.NopRetryer{},
	})
}

func (s *orgServer) fail(w http.ResponseWriter, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

func (s *orgServer) serve(w http.ResponseWriter, r *http.Request) {
	op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AWSOrganizationsV20161128.")
	if r.Method != http.MethodPost || !ok || r.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		s.fail(w, "UnknownOperationException", "not an Organizations JSON request")
		return
	}
	s.mu.Lock()
	if s.calls == nil {
		s.calls = map[string]int{}
	}
	s.calls[op]++
	s.mu.Unlock()
	var in struct {
		MaxResults                               *int
		NextToken, ChildId, OrganizationalUnitId string
		ResourceId                               string
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		s.fail(w, "InvalidInputException", err.Error())
		return
	}
	if in.MaxResults != nil && (*in.MaxResults < 1 || *in.MaxResults > 20) {
		s.fail(w, "InvalidInputException", "MaxResults must be between 1 and 20")
		return
	}
	var out any
	switch op {
	case "ListAccounts":
		size := 20
		if in.MaxResults != nil {
			size = *in.MaxResults
		}
		start := 0
		switch in.NextToken {
		case "":
			// An empty first page that still has more results.
			out = map[string]any{"Accounts": []any{}, "NextToken": "p0"}
		default:
			n, err := strconv.Atoi(strings.TrimPrefix(in.NextToken, "p"))
			if err != nil {
				s.fail(w, "InvalidInputException", "bad NextToken")
				return
			}
			start = n
			end := min(start+size, len(s.accounts))
			var page []any
			for _, a := range s.accounts[start:end] {
				page = append(page, map[string]any{"Id": a.ID, "Name": a.Name, "Email": a.Email, "State": "ACTIVE",
					"Arn": "arn:aws:organizations::111111111111:account/o-abcdef1234/" + a.ID})
			}
			o := map[string]any{"Accounts": page}
			if end < len(s.accounts) {
				o["NextToken"] = fmt.Sprintf("p%d", end)
			}
			out = o
		}
	case "ListParents":
		parent := ""
		for _, a := range s.accounts {
			if a.ID == in.ChildId {
				parent = a.Parent
			}
		}
		if ou, ok := s.ous[in.ChildId]; ok {
			parent = ou.Parent
		}
		if parent == "" {
			s.fail(w, "ChildNotFoundException", in.ChildId)
			return
		}
		typ := "ORGANIZATIONAL_UNIT"
		if strings.HasPrefix(parent, "r-") {
			typ = "ROOT"
		}
		out = map[string]any{"Parents": []any{map[string]string{"Id": parent, "Type": typ}}}
	case "DescribeOrganizationalUnit":
		ou, ok := s.ous[in.OrganizationalUnitId]
		if !ok {
			s.fail(w, "OrganizationalUnitNotFoundException", in.OrganizationalUnitId)
			return
		}
		out = map[string]any{"OrganizationalUnit": map[string]string{"Id": in.OrganizationalUnitId, "Name": ou.Name}}
	case "ListTagsForResource":
		// One tag per page, to exercise NextToken here too.
		all := s.tags[in.ResourceId]
		i := 0
		if in.NextToken != "" {
			i, _ = strconv.Atoi(in.NextToken)
		}
		o := map[string]any{"Tags": []any{}}
		if i < len(all) {
			o["Tags"] = []any{map[string]string{"Key": all[i][0], "Value": all[i][1]}}
			if i+1 < len(all) {
				o["NextToken"] = strconv.Itoa(i + 1)
			}
		}
		out = o
	default:
		s.fail(w, "UnknownOperationException", op)
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(out)
}

// sampleOrganization has 45 accounts: under the root, under Workloads and
// under Workloads/Prod.
func sampleOrganization() *orgServer {
	s := &orgServer{
		ous: map[string]orgOU{
			"ou-ab12-11111111": {Name: "Workloads", Parent: "r-ab12"},
			"ou-ab12-22222222": {Name: "Prod", Parent: "ou-ab12-11111111"},
		},
		tags: map[string][][2]string{"100000000007": {{"env", "prod"}, {"team", "payments"}}},
	}
	parents := []string{"r-ab12", "ou-ab12-11111111", "ou-ab12-22222222"}
	for i := range 45 {
		s.accounts = append(s.accounts, orgAccount{
			ID: fmt.Sprintf("1%011d", i), Name: fmt.Sprintf("account-%d", i),
			Email: fmt.Sprintf("aws+%d@Example.COM", i), Parent: parents[i%3],
		})
	}
	sort.Slice(s.accounts, func(i, j int) bool { return s.accounts[i].ID < s.accounts[j].ID })
	return s
}
