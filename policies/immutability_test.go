package policies

import "testing"

// The archive must survive its own account's administrators: only the
// archive admins (break-glass and deploy roles) may lift Object Lock,
// delete versions or change what protects the archive; S3 and KMS evaluate
// an explicit Deny in a resource policy before any Allow, even for an
// identity policy allowing s3:* (IAM User Guide, policy evaluation logic).
func TestTheArchiveResistsItsOwnAdministrators(t *testing.T) {
	o := org
	o.ArchiveAdmins = []string{"orgsiem-break-glass", "OrganizationAccountAccessRole"}
	admin := RoleARN(o.LogArchive, "AWSReservedSSO_AdministratorAccess_0123")
	breakGlass := RoleARN(o.LogArchive, "orgsiem-break-glass")
	all := []Document{{Version: Version, Statement: []Statement{{Effect: Allow, Action: []string{"s3:*", "kms:*"}, Resource: []string{"*"}}}}}
	bucket := []Document{ArchiveBucketPolicy(o)}
	key := []Document{ArchiveKeyPolicy(o)}
	obj := o.ArchiveBucketARN() + "/AWSLogs/" + o.ID + "/444444444444/CloudTrail/x.json.gz"
	for _, a := range ArchiveProtectedS3Actions {
		res := obj
		if a == "s3:PutBucketPolicy" || a == "s3:DeleteBucketPolicy" || a == "s3:PutBucketObjectLockConfiguration" ||
			a == "s3:PutLifecycleConfiguration" || a == "s3:PutBucketVersioning" || a == "s3:DeleteBucket" {
			res = o.ArchiveBucketARN()
		}
		if Authorize(RoleRequest(admin, o.ID, a, res), o.LogArchive, all, bucket) {
			t.Errorf("an administrator of the log-archive account may %s", a)
		}
		if !Authorize(RoleRequest(breakGlass, o.ID, a, res), o.LogArchive, all, bucket) {
			t.Errorf("the break-glass role may not %s", a)
		}
	}
	for _, a := range ArchiveProtectedKMSActions {
		if Authorize(RoleRequest(admin, o.ID, a, archiveKey), o.LogArchive, all, key) {
			t.Errorf("an administrator of the log-archive account may %s on the archive key", a)
		}
		if !Authorize(RoleRequest(breakGlass, o.ID, a, archiveKey), o.LogArchive, all, key) {
			t.Errorf("the break-glass role may not %s on the archive key", a)
		}
	}
	// The deny leaves the pipeline alone.
	loader := o.SecurityRoleARN(LoaderRole)
	if !Authorize(RoleRequest(loader, o.ID, "s3:GetObjectVersion", obj), o.LogArchive, []Document{LoaderRolePolicy(o, archiveKey, LoaderOptions{})}, bucket) {
		t.Error("the loader can no longer read")
	}
	for _, r := range CloudTrailKeyCalls(o.TrailARN(), o.Management, archiveKey, true) {
		if !Authorize(r, o.LogArchive, nil, key) {
			t.Errorf("CloudTrail is refused %s", r.Action)
		}
	}
	// With no admin configured nobody is excepted.
	none := org
	if Authorize(RoleRequest(breakGlass, none.ID, "s3:DeleteObjectVersion", obj), none.LogArchive, all, []Document{ArchiveBucketPolicy(none)}) {
		t.Error("without archive admins a role may still delete versions")
	}
}

func TestTamperAttemptsReachTheAlertTopic(t *testing.T) {
	fwd := RoleARN(org.LogArchive, ArchiveTamperForwardRole)
	if !Authorize(RoleRequest(fwd, org.ID, "events:PutEvents", org.CentralBusARN()), org.Security,
		[]Document{AlarmForwardRolePolicy(org)}, []Document{CentralBusPolicy(org)}) {
		t.Error("the log-archive forwarder cannot put events on the security bus")
	}
	if !Authorize(ServiceRequest("events.amazonaws.com", org.ArchiveTamperRuleARN(), org.Security, "sns:Publish", org.AlertTopicARN()),
		org.Security, nil, []Document{AlertTopicPolicy(org)}) {
		t.Error("the tamper rule cannot publish to the alert topic")
	}
}
