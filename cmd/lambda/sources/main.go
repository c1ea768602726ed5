// Command sources is the member baseline's source-enabling Lambda (see
// functions/sources): a VPC flow log to the archive for every VPC.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/orgsiem/orgsiem/functions/sources"
)

func main() {
	account, bucket := os.Getenv("ORGSIEM_ACCOUNT_ID"), os.Getenv("ORGSIEM_ARCHIVE_BUCKET_ARN")
	if account == "" || bucket == "" {
		log.Fatal("sources: ORGSIEM_ACCOUNT_ID and ORGSIEM_ARCHIVE_BUCKET_ARN must be set")
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	h := &sources.Handler{FlowLogs: &sources.FlowLogs{EC2: ec2.NewFromConfig(cfg), Account: account, BucketARN: bucket}}
	lambda.Start(h.HandleRaw)
}
