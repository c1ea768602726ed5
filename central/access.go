package central

import (
	"fmt"

	"github.com/orgsiem/orgsiem/policies"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Access paths into the VPC for people (stack key accessPath).
const (
	AccessSSM  = "ssm"  // a private SSM-managed host to port-forward through
	AccessNone = "none" // bring your own (VPN, Direct Connect, peering)
)

// AccessHostEndpoints are the interface endpoints Session Manager needs in
// a VPC without internet access ("ssm, ssmmessages, ec2messages", AWS
// Systems Manager User Guide, setup-create-vpc).
var AccessHostEndpoints = []string{"ssm", "ssmmessages", "ec2messages"}

// AccessHostAMIParameter is the public SSM parameter naming the latest
// Amazon Linux 2023 arm64 AMI; each `pulumi up` after a new AMI replaces
// the host (it keeps no state), which is how it stays patched: its
// security group lets it reach only the domain and the endpoints, not the
// package repositories.
const AccessHostAMIParameter = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"

// Access configures the way in.
type Access struct {
	Path     string // AccessSSM or AccessNone
	HostType string // EC2 instance type of the host (arm64), e.g. t4g.nano
}

// accessHost creates the SSM-managed host: private subnet, no public IP,
// a security group with no inbound rule and HTTPS out to the domain and
// the VPC's interface endpoints only, IMDSv2 required, encrypted root
// volume, an instance role with AmazonSSMManagedInstanceCore only.
func (b *siemBuilder) accessHost(nw *network) error {
	a := b.a.Access
	if a.Path != AccessSSM {
		return nil
	}
	ctx := b.ctx
	sg, err := ec2.NewSecurityGroup(ctx, b.n("access-host"), &ec2.SecurityGroupArgs{
		Name:        pulumi.String("orgsiem-access-host"),
		Description: pulumi.String("orgsiem access host: no inbound; HTTPS out to OpenSearch and the SSM endpoints"),
		VpcId:       nw.vpcID,
	}, b.child)
	if err != nil {
		return fmt.Errorf("security group access-host: %w", err)
	}
	rule := func(id string, in bool, group pulumi.StringInput, desc string, peer func(*vpc.SecurityGroupIngressRuleArgs)) error {
		ra := &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId: group, IpProtocol: pulumi.String("tcp"), FromPort: pulumi.Int(443), ToPort: pulumi.Int(443),
			Description: pulumi.String(desc),
		}
		peer(ra)
		if in {
			_, err = vpc.NewSecurityGroupIngressRule(ctx, b.n(id), ra, b.child)
		} else {
			_, err = vpc.NewSecurityGroupEgressRule(ctx, b.n(id), &vpc.SecurityGroupEgressRuleArgs{
				SecurityGroupId: ra.SecurityGroupId, IpProtocol: ra.IpProtocol, FromPort: ra.FromPort, ToPort: ra.ToPort,
				CidrIpv4: ra.CidrIpv4, ReferencedSecurityGroupId: ra.ReferencedSecurityGroupId, Description: ra.Description,
			}, b.child)
		}
		if err != nil {
			return fmt.Errorf("security group rule %s: %w", id, err)
		}
		return nil
	}
	if err := rule("access-host-to-opensearch", false, sg.ID(), "HTTPS to OpenSearch (port forwarding)", func(r *vpc.SecurityGroupIngressRuleArgs) {
		r.ReferencedSecurityGroupId = nw.domainSG.ID()
	}); err != nil {
		return err
	}
	if err := rule("opensearch-from-access-host", true, nw.domainSG.ID(), "HTTPS from the orgsiem access host", func(r *vpc.SecurityGroupIngressRuleArgs) {
		r.ReferencedSecurityGroupId = sg.ID()
	}); err != nil {
		return err
	}
	if nw.endpointsSG != nil {
		if err := rule("access-host-to-endpoints", false, sg.ID(), "HTTPS to the SSM interface endpoints", func(r *vpc.SecurityGroupIngressRuleArgs) {
			r.ReferencedSecurityGroupId = nw.endpointsSG.ID()
		}); err != nil {
			return err
		}
		if err := rule("endpoints-from-access-host", true, nw.endpointsSG.ID(), "HTTPS from the orgsiem access host", func(r *vpc.SecurityGroupIngressRuleArgs) {
			r.ReferencedSecurityGroupId = sg.ID()
		}); err != nil {
			return err
		}
	} else {
		// An existing VPC: its own ssm, ssmmessages and ec2messages
		// endpoints, somewhere in its CIDR.
		if err := rule("access-host-to-vpc", false, sg.ID(), "HTTPS to the VPC's SSM interface endpoints", func(r *vpc.SecurityGroupIngressRuleArgs) {
			r.CidrIpv4 = pulumi.String(b.a.Network.CIDR)
		}); err != nil {
			return err
		}
	}
	role, err := iam.NewRole(ctx, b.n("access-host-role"), &iam.RoleArgs{
		Name: pulumi.String(policies.AccessHostRole), AssumeRolePolicy: pulumi.String(policies.AccessHostTrust().JSON()),
	}, b.child)
	if err != nil {
		return fmt.Errorf("access host role: %w", err)
	}
	core, err := iam.NewRolePolicyAttachment(ctx, b.n("access-host-ssm-core"), &iam.RolePolicyAttachmentArgs{
		Role: role.Name, PolicyArn: pulumi.String(policies.SSMManagedInstanceCore),
	}, b.child)
	if err != nil {
		return fmt.Errorf("access host ssm policy: %w", err)
	}
	profile, err := iam.NewInstanceProfile(ctx, b.n("access-host-profile"), &iam.InstanceProfileArgs{
		Name: pulumi.String(policies.AccessHostRole), Role: role.Name,
	}, b.child)
	if err != nil {
		return fmt.Errorf("access host instance profile: %w", err)
	}
	ami := ssm.LookupParameterOutput(ctx, ssm.LookupParameterOutputArgs{Name: pulumi.String(AccessHostAMIParameter)}, pulumi.Parent(b.c))
	host, err := ec2.NewInstance(ctx, b.n("access-host"), &ec2.InstanceArgs{
		Ami: ami.Value(), InstanceType: pulumi.String(a.HostType),
		SubnetId: nw.subnets[0], VpcSecurityGroupIds: pulumi.StringArray{sg.ID()},
		AssociatePublicIpAddress: pulumi.Bool(false),
		IamInstanceProfile:       profile.Name,
		MetadataOptions: &ec2.InstanceMetadataOptionsArgs{
			HttpEndpoint: pulumi.String("enabled"), HttpTokens: pulumi.String("required"), HttpPutResponseHopLimit: pulumi.Int(1),
		},
		RootBlockDevice: &ec2.InstanceRootBlockDeviceArgs{Encrypted: pulumi.Bool(true), VolumeType: pulumi.String("gp3")},
		Tags:            pulumi.StringMap{"Name": pulumi.String("orgsiem-access-host")},
	}, b.child, pulumi.DependsOn(append([]pulumi.Resource{core}, nw.ready...)))
	if err != nil {
		return fmt.Errorf("access host: %w", err)
	}
	b.c.AccessHost = host
	return nil
}
