package central

import (
	"fmt"
	"testing"
)

func TestSubnetCIDRs(t *testing.T) {
	for _, tc := range []struct {
		name, cidr string
		n          int
		want       string
		fail       bool
	}{
		{"a /16 splits into consecutive /20s", "10.80.0.0/16", 3, "[10.80.0.0/20 10.80.16.0/20 10.80.32.0/20]", false},
		{"host bits are masked", "10.80.7.9/16", 1, "[10.80.0.0/20]", false},
		{"a /24 splits into /28s", "192.168.1.0/24", 3, "[192.168.1.0/28 192.168.1.16/28 192.168.1.32/28]", false},
		{"a prefix longer than /24 is refused", "10.0.0.0/25", 3, "", true},
		{"IPv6 is refused", "fd00::/48", 3, "", true},
		{"garbage is refused", "ten.zero", 3, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SubnetCIDRs(tc.cidr, tc.n)
			if (err != nil) != tc.fail {
				t.Fatalf("error %v, want failure %v", err, tc.fail)
			}
			if !tc.fail && fmt.Sprint(got) != tc.want {
				t.Errorf("got %v, want %s", got, tc.want)
			}
		})
	}
}

func TestOpenSearchAlarmsFollowTheDomainShape(t *testing.T) {
	names := func(as []Alarm) map[string]Alarm {
		m := map[string]Alarm{}
		for _, a := range as {
			if _, dup := m[a.Name]; dup {
				t.Errorf("duplicate alarm %s", a.Name)
			}
			m[a.Name] = a
		}
		return m
	}
	dev := names(OpenSearchAlarms("333333333333", OpenSearch{InstanceCount: 1, VolumeGiB: 100}))
	prod := names(OpenSearchAlarms("333333333333", OpenSearch{InstanceCount: 3, DedicatedMasters: 3, WarmCount: 2, VolumeGiB: 200}))
	if _, ok := dev["master-cpu-high"]; ok {
		t.Error("dev has master alarms without dedicated masters")
	}
	for _, n := range []string{"master-cpu-high", "master-jvm-memory-pressure", "warm-cpu-high"} {
		if _, ok := prod[n]; !ok {
			t.Errorf("prod lacks %s", n)
		}
	}
	if got := prod["nodes-missing"].Threshold; got != 6 {
		t.Errorf("prod expects %v nodes, want 6 (3 data + 3 masters)", got)
	}
	if got := prod["free-storage-low"].Threshold; got != 51200 {
		t.Errorf("free storage threshold %v MiB, want 25%% of 200 GiB", got)
	}
	if a := dev["kmskey-error"]; a.Missing != "notBreaching" {
		t.Errorf("KMS alarm treats missing data as %q", a.Missing)
	}
	if a := dev["write-rejected"]; !a.Diff {
		t.Error("rejections are cumulative and must alarm on their increase")
	}
	hb := PipelineAlarms(900, []string{"cloudtrail", "vpcflow"}, 60)
	last := hb[len(hb)-1]
	if last.Name != "heartbeat-vpcflow" || last.Period != 3600 || last.Missing != "breaching" || last.Comparison != lt {
		t.Errorf("heartbeat alarm %+v", last)
	}
}
