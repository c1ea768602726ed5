package stacks

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/orgsiem/orgsiem/central"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// FindingsConfig is the `findings` key (issue #13.3): GuardDuty and Security
// Hub organization-wide with the security account as delegated
// administrator, and their findings in the archive and the index within
// minutes. Default: off.
//
//	orgsiem:findings:
//	  guardduty: true
//	  securityHub: true
//	  standards: [fsbp, cis, pci]
type FindingsConfig struct {
	GuardDuty   bool     `json:"guardduty"`
	SecurityHub bool     `json:"securityHub"`
	Standards   []string `json:"standards"`
}

// Enabled reports whether any findings service is on.
func (f FindingsConfig) Enabled() bool { return f.GuardDuty || f.SecurityHub }

// findings reads the findings key.
func (p *parser) findings(key string) FindingsConfig {
	var f FindingsConfig
	v, ok := p.get(key)
	if !ok || strings.TrimSpace(v) == "" {
		return f
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		p.fail(key, "not {guardduty: bool, securityHub: bool, standards: [fsbp|cis|pci]}: %v", err)
		return FindingsConfig{}
	}
	seen := map[string]bool{}
	for _, s := range f.Standards {
		if _, ok := central.StandardARNs[s]; !ok {
			p.fail(key, "standard %q is not fsbp, cis or pci", s)
		}
		if seen[s] {
			p.fail(key, "standard %q is listed twice", s)
		}
		seen[s] = true
	}
	if len(f.Standards) > 0 && !f.SecurityHub {
		p.fail(key, "standards need securityHub: true")
	}
	return f
}

// deployFindings creates the findings services and delivery when configured.
// securityHome is the security account's home-region provider; the other
// regions get their own.
func deployFindings(ctx *pulumi.Context, cfg Config, mgmt map[string]pulumi.ProviderResource,
	securityHome pulumi.ProviderResource, archiveKeyARN pulumi.StringInput, archiveReady []pulumi.Resource) (*central.Findings, error) {
	if !cfg.Findings.Enabled() {
		return nil, nil
	}
	sec := map[string]pulumi.ProviderResource{cfg.HomeRegion: securityHome}
	for _, region := range cfg.Regions {
		if region == cfg.HomeRegion {
			continue
		}
		p, err := accountProvider(ctx, "security-"+region, cfg.SecurityAccountID, region, cfg.AccountRole)
		if err != nil {
			return nil, err
		}
		sec[region] = p
	}
	f, err := central.NewFindings(ctx, "findings", &central.FindingsArgs{
		Org: cfg.Org(), Regions: cfg.Regions, GuardDuty: cfg.Findings.GuardDuty, SecurityHub: cfg.Findings.SecurityHub,
		Standards: cfg.Findings.Standards, ArchiveKeyARN: archiveKeyARN,
		Management: mgmt, Security: sec, Archive: archiveReady,
	})
	if err != nil {
		return nil, fmt.Errorf("findings: %w", err)
	}
	return f, nil
}

// SourcesConfig is the `sources` key (issue #13.5): AWS log sources the
// member baseline turns on in every member account and region. Default:
// none.
//
//	orgsiem:sources:
//	  vpcFlowLogs: true
type SourcesConfig struct {
	VPCFlowLogs bool `json:"vpcFlowLogs"`
}

// sources reads the sources key.
func (p *parser) sources(key string) SourcesConfig {
	var s SourcesConfig
	v, ok := p.get(key)
	if !ok || strings.TrimSpace(v) == "" {
		return s
	}
	dec := json.NewDecoder(strings.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		p.fail(key, "not {vpcFlowLogs: bool}: %v", err)
		return SourcesConfig{}
	}
	return s
}
