package policies

import "github.com/orgsiem/orgsiem/internal/archive"

// The account directory's documents (management account).

// directoryObjectARN is the one archive object the directory function
// writes and reads.
func (o Org) directoryObjectARN() string { return o.ArchiveBucketARN() + "/" + archive.DirectoryKey }

// DirectoryRolePolicy is the directory function's identity policy: list the
// organization's accounts, their parents, OUs and tags; read and write the
// directory object only, encrypted with the archive key through S3.
func DirectoryRolePolicy(o Org, archiveKeyARN string) Document {
	return Document{Version: Version, Statement: []Statement{
		writeOwnLogs("arn:aws:logs:" + o.HomeRegion + ":" + o.Management + ":log-group:" + LambdaLogGroup(DirectoryFunction) + ":*"),
		{
			// ListAccounts takes no resource; the others are scoped to the
			// organization's accounts, OUs and roots.
			Sid: "ListAccounts", Effect: Allow, Action: []string{"organizations:ListAccounts"}, Resource: []string{"*"},
		},
		{
			Sid: "DescribeOrganizationTree", Effect: Allow,
			Action: []string{"organizations:ListParents", "organizations:DescribeOrganizationalUnit", "organizations:ListTagsForResource"},
			Resource: []string{
				o.OrganizationAccountsARN(),
				"arn:aws:organizations::" + o.Management + ":ou/" + o.ID + "/ou-*",
				"arn:aws:organizations::" + o.Management + ":root/" + o.ID + "/r-*",
			},
		},
		{
			Sid: "ReadWriteDirectoryObject", Effect: Allow, Action: []string{"s3:GetObject", "s3:PutObject"},
			Resource: []string{o.directoryObjectARN()},
		},
		{
			Sid: "ArchiveKeyThroughS3", Effect: Allow, Action: []string{"kms:GenerateDataKey", "kms:Decrypt"},
			Resource: []string{archiveKeyARN}, Condition: When("StringEquals", "kms:ViaService", o.s3ViaService()),
		},
	}}
}

// DirectoryEventsRolePolicy lets EventBridge in us-east-1 (where
// Organizations delivers its events) put them on the home region's default
// bus of the management account.
func DirectoryEventsRolePolicy(o Org) Document {
	return Document{Version: Version, Statement: []Statement{{
		Sid: "ForwardToHomeBus", Effect: Allow, Action: []string{"events:PutEvents"}, Resource: []string{o.ManagementBusARN(o.HomeRegion)},
	}}}
}
